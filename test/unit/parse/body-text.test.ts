import { describe, expect, it } from 'vitest';
import { cleanBodyText, cleanLine, dropSignature, normaliseWhitespace } from '../../../src/parse/index.js';

describe('normaliseWhitespace (SPEC 5: whitespace normalised)', () => {
  it.each([
    ['CRLF line ends become LF', 'a\r\nb', 'a\nb'],
    ['runs of spaces and tabs collapse to one space', 'a  \t b', 'a b'],
    ['lines are trimmed', '  a  \n\tb\t', 'a\nb'],
    ['blank lines at the start and the end go', '\n\n a\nb \n\n\n', 'a\nb'],
    ['several blank lines shrink to one', 'a\n\n\n\nb', 'a\n\nb'],
    ['a line of spaces counts as blank', 'a\n   \n \t\nb', 'a\n\nb'],
    ['no-break and ideographic spaces become spaces', 'a\u00A0\u00A0b\u3000c', 'a b c'],
    ['zero-width characters, BOM and soft hyphens are removed', '\uFEFFa\u200Bb\u00ADc', 'abc'],
    ['a combining accent is composed (NFC)', 'e\u0301', '\u00E9'],
    ['Unicode line separators end lines', 'a\u2028b', 'a\nb'],
    ['empty text stays empty', '', ''],
    ['an undecodable character (U+FFFD) becomes a question mark', 'caf\uFFFD ok', 'caf? ok'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseWhitespace(input)).toBe(expected);
  });
});

describe('dropSignature (RFC 3676 §4.3 separator "-- ")', () => {
  it('drops the separator line and everything after it', () => {
    expect(dropSignature('Pump 3 failed\n-- \nACME Monitoring\n+44 20 7946 0000')).toBe('Pump 3 failed');
  });

  it('drops from the first separator when there are several', () => {
    expect(dropSignature('a\n-- \nb\n-- \nc')).toBe('a');
  });

  it('accepts a CRLF after the separator', () => {
    expect(dropSignature('a\r\n-- \r\nsig')).toBe('a\r');
  });

  it.each([
    ['"--" without the space', 'a\n--\nb'],
    ['"-- " inside a line', 'a -- b'],
    ['"---" rule lines', 'a\n---\nb'],
  ])('leaves text alone when a line only looks like a separator: %s', (_name, input) => {
    expect(dropSignature(input)).toBe(input);
  });
});

describe('cleanBodyText and cleanLine', () => {
  it('drops the signature and then normalises', () => {
    expect(cleanBodyText('  Disk  full on srv1 \r\n\r\n\r\n-- \r\nops team\r\n')).toBe('Disk full on srv1');
  });

  it('a body that is only a signature is empty', () => {
    expect(cleanBodyText('-- \nsent from my phone')).toBe('');
  });

  it('folds a subject onto one line', () => {
    expect(cleanLine(' Alarm:\n  pump 3 \r\n failed ')).toBe('Alarm: pump 3 failed');
  });
});
