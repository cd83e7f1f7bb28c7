// header-fields.ts: header section reading (RFC 5322 §2.1, §2.2.3) used by DKIM counting and relay trust.
import { describe, expect, test } from 'vitest';
import { readHeaderFields } from '../../../src/verdict/header-fields.js';
import { createVerifier } from '../../../src/verdict/index.js';

describe('readHeaderFields', () => {
  test('unfolds fields, lower-cases names and stops at the empty line', () => {
    const raw = Buffer.from('DKIM-Signature: v=1;\r\n\td=example.com\r\nFrom: a@example.com\r\n\r\nX-Not-A-Header: body\r\n');
    expect(readHeaderFields(raw).map((f) => [f.name, f.value])).toEqual([
      ['dkim-signature', ' v=1;\td=example.com'],
      ['from', ' a@example.com'],
    ]);
  });

  test('reads bare-LF mail the same way', () => {
    const raw = Buffer.from('Subject: a\n b\nFrom: x@example.com\n\nbody: not a field\n');
    expect(readHeaderFields(raw).map((f) => f.name)).toEqual(['subject', 'from']);
  });

  test('a mail with no body separator is all header', () => {
    expect(readHeaderFields(Buffer.from('From: x@example.com\r\nSubject: s')).map((f) => f.value)).toEqual([' x@example.com', ' s']);
  });
});

test('describe in dns mode without servers names the system resolver', () => {
  expect(createVerifier({ mode: 'dns', hostname: 'h' }).describe()).toBe('verdict dns: DKIM, SPF and DMARC checked against the system resolver; a DNS failure answers 451 4.7.0');
});

test('records mode without records is a config error', () => {
  expect(() => createVerifier({ mode: 'records', hostname: 'h' })).toThrow(expect.objectContaining({ code: 'M2S_CONFIG_INVALID' }));
});
