import fc from 'fast-check';
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
    ['an undecodable character in a UCS-2 text becomes a question mark too', '\u041F\uFFFD\u0440', '\u041F?\u0440'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseWhitespace(input)).toBe(expected);
  });
});

describe('normaliseWhitespace removes control characters (issue 12)', () => {
  it.each([
    ['NUL and BEL', 'disk\u0000 full\u0007!', 'disk full!'],
    ['the other C0 controls but the whitespace ones', 'a\u0001\u0002\u0008\u000E\u001B\u001Fb', 'ab'],
    ['DEL', 'a\u007Fb', 'ab'],
    ['C1 controls', 'a\u0080\u0084\u0086\u009Fb', 'ab'],
    ['a control between spaces leaves one space', 'a \u0007 b', 'a b'],
    ['a line of only controls counts as blank', 'a\n\u0000\u0007\nb', 'a\n\nb'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseWhitespace(input)).toBe(expected);
  });

  it.each([
    ['LF', 'a\nb', 'a\nb'],
    ['CR and CRLF, as LF', 'a\rb\r\nc', 'a\nb\nc'],
    ['NEL (U+0085), as LF', 'a\u0085b', 'a\nb'],
    ['TAB, VT and FF, as a space', 'a\tb\u000Bc\u000Cd', 'a b c d'],
  ])('keeps %s', (_name, input, expected) => {
    expect(normaliseWhitespace(input)).toBe(expected);
  });

  it('leaves no C0, DEL or C1 character but LF in any text', () => {
    const every = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('x');
    expect(normaliseWhitespace(every)).toMatch(/^[^\u0000-\u0009\u000B-\u001F\u007F-\u009F]*$/);
  });

  it('removes them from a one-line text (a subject) as well', () => {
    expect(cleanLine('Re:\u0000 pump\u0007 3')).toBe('Re: pump 3');
  });
});

describe('normaliseWhitespace on plain ASCII (its shortcut)', () => {
  it('gives what the whole normalisation gives: a trailing zero-width space sends the same text the long way', () => {
    const plain = fc.string({ unit: fc.constantFrom(' ', '\n', 'a', 'Z', '0', '-', '~'), maxLength: 60 });
    fc.assert(fc.property(plain, (text) => normaliseWhitespace(text) === normaliseWhitespace(`${text}\u200B`)), { numRuns: 2000 });
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
