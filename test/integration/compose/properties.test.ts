/*
 * Properties of the intake path (draftSms from src/pipeline.ts), issue 5 "How it is shown":
 * composing never throws, on any byte sequence and on random MIME built from arbitrary headers,
 * parts, charsets and transfer encodings; and a mail never becomes more SMS segments than the
 * account allows: past the limit it is cut to fit (`overflow: truncate`, the default) or refused
 * 552 5.3.4 (`overflow: refuse`) (SPEC 6, issue 11 item 2).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT, type Account } from '../../../src/accounts/index.js';
import { SmtpError } from '../../../src/errors.js';
import { draftSms, type DraftResult } from '../../../src/pipeline.js';

const CHARSETS = ['utf-8', 'us-ascii', 'iso-8859-1', 'windows-1252', 'iso-2022-jp', 'shift_jis', 'euc-jp', 'gb2312', 'ks_c_5601-1987', 'utf-16', 'x-unknown', ''];
const ENCODINGS = ['7bit', '8bit', 'binary', 'base64', 'quoted-printable', 'x-uuencode', 'bogus', ''];
const LEAF_TYPES = ['text/plain', 'text/html', 'text/enriched', 'image/png', 'application/pdf', 'application/octet-stream', 'message/delivery-status', 'message/rfc822', ''];
const MULTI_TYPES = ['multipart/mixed', 'multipart/alternative', 'multipart/related', 'multipart/report', 'multipart/signed'];

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
const headerValue = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('=?utf-8?B?8J+RjQ==?=', '=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=', '=?x-bogus?Q?=FF=?=', '=?utf-8?Q?broken', '\r\n folded', '(comment'));
const headerName = fc.oneof(fc.constantFrom('Subject', 'From', 'To', 'Content-Disposition', 'X-Priority', 'In-Reply-To', 'x-smpp-short-message'), fc.stringMatching(/^[A-Za-z-]{1,12}$/));

/** One body part: Content-Type with a charset, a transfer encoding, extra headers, and a body. */
function leaf(): fc.Arbitrary<Buffer> {
  return fc
    .record({
      type: fc.constantFrom(...LEAF_TYPES),
      charset: fc.constantFrom(...CHARSETS),
      encoding: fc.constantFrom(...ENCODINGS),
      extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
      body: fc.oneof(bytes(300), fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)), fc.string({ maxLength: 200 }).map((s) => Buffer.from(Buffer.from(s).toString('base64'))), fc.constant(Buffer.from('<p>a &amp; <b>b</p><a href="x">y</a>'))),
    })
    .map(({ type, charset, encoding, extra, body }) => {
      const head = [`Content-Type: ${type}${charset ? `; charset=${charset}` : ''}`, `Content-Transfer-Encoding: ${encoding}`, ...extra.map(([k, v]) => `${k}: ${v}`)];
      return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]);
    });
}

/** A MIME entity: a leaf, or a multipart of entities, maybe cut before its closing boundary. */
const entity: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf(),
    fc
      .record({ type: fc.constantFrom(...MULTI_TYPES), boundary: fc.constantFrom('XX', 'b1', '=_part', '"q b"', ''), parts: fc.array(tie('node'), { maxLength: 3 }), closed: fc.boolean() })
      .map(({ type, boundary, parts, closed }) => {
        const b = boundary.replace(/"/g, '');
        const chunks: Buffer[] = [Buffer.from(`Content-Type: ${type}; boundary=${boundary}\r\n\r\npreamble\r\n`)];
        for (const part of parts) chunks.push(Buffer.from(`--${b}\r\n`), part, Buffer.from('\r\n'));
        if (closed) chunks.push(Buffer.from(`--${b}--\r\n`));
        return Buffer.concat(chunks);
      }),
  ),
})).node;

const randomMime = fc
  .record({ top: fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }), body: entity, bareLf: fc.boolean() })
  .map(({ top, body, bareLf }) => {
    const raw = Buffer.concat([Buffer.from(top.map(([k, v]) => `${k}: ${v}\r\n`).join('')), body]);
    return bareLf ? Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') : raw;
  });

/** The property every result must have: a draft, or a 552/554 refusal that is an SmtpError. */
function expectSettled(result: DraftResult): void {
  if (result.ok) {
    expect(result.draft.parts.length).toBeGreaterThan(0);
    expect(result.draft.parts.length).toBeLessThanOrEqual(DEFAULT_ACCOUNT.maxSegments);
    return;
  }
  expect(result.error).toBeInstanceOf(SmtpError);
  expect([552, 554]).toContain(result.error.responseCode);
}

describe('draftSms never throws', () => {
  it('on any byte sequence', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(2000), async (raw) => {
        expectSettled(await draftSms(raw, DEFAULT_ACCOUNT));
      }),
      { numRuns: 300 },
    );
  });

  it('on random MIME: arbitrary headers, nested parts, charsets, transfer encodings, missing closing boundaries, bare LF', async () => {
    await fc.assert(
      fc.asyncProperty(randomMime, async (raw) => {
        expectSettled(await draftSms(raw, DEFAULT_ACCOUNT));
      }),
      { numRuns: 300 },
    );
  });
});

const GSM = fc.constantFrom(...'abcXYZ0189 .,:;!?@£$éÄöüß\n'.split(''));
const GSM_EXTENSION = fc.constantFrom('€', '[', ']', '{', '}', '~', '^', '\\', '|');
const NON_GSM = fc.constantFrom('ж', '世', 'ł', '😀', '👍🏽', '𝄞');
const longText = fc.string({ unit: fc.oneof({ arbitrary: GSM, weight: 6 }, GSM_EXTENSION, NON_GSM), minLength: 1, maxLength: 1500 });

describe('draftSms never exceeds the account segment limit', () => {
  it('long texts against small limits, in both long-message modes: parts within the limit and losslessly cut, else cut to fit (truncate) or 552 5.3.4 (refuse)', async () => {
    await fc.assert(
      fc.asyncProperty(longText, fc.integer({ min: 1, max: 5 }), fc.constantFrom('concatenate' as const, 'split' as const), fc.constantFrom('truncate' as const, 'refuse' as const), async (text, maxSegments, long, overflow) => {
        const account: Account = { ...DEFAULT_ACCOUNT, maxSegments, long, overflow, compose: 'body', condense: 'off' };
        const raw = Buffer.from(`Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(text).toString('base64')}\r\n`);
        const result = await draftSms(raw, account);
        if (result.ok) {
          expect(result.draft.parts.length).toBeLessThanOrEqual(maxSegments);
          expect(result.draft.parts.join('')).toBe(result.draft.text);
          if (overflow === 'refuse') expect(result.draft.truncated).toBeUndefined();
          return;
        }
        expect(overflow === 'truncate' && result.error.code === 'M2S_MAIL_TOO_MANY_SEGMENTS').toBe(false);
        expect([result.error.code, result.error.responseCode, result.error.enhanced]).toEqual(
          result.error.code === 'M2S_MAIL_EMPTY' ? ['M2S_MAIL_EMPTY', 554, '5.6.0'] : ['M2S_MAIL_TOO_MANY_SEGMENTS', 552, '5.3.4'],
        );
        if (result.error.code === 'M2S_MAIL_EMPTY') expect(text.trim()).toBe('');
      }),
      { numRuns: 300 },
    );
  });

  it('under overflow: refuse a text just past the limit is refused 552 5.3.4, one at the limit is sent', async () => {
    const account: Account = { ...DEFAULT_ACCOUNT, maxSegments: 2, compose: 'body', overflow: 'refuse' };
    const at = await draftSms(Buffer.from(`\r\n${'a'.repeat(306)}`), account);
    const past = await draftSms(Buffer.from(`\r\n${'a'.repeat(307)}`), account);
    expect(at.ok && at.draft.parts.length).toBe(2);
    expect(!past.ok && [past.error.responseCode, past.error.enhanced]).toEqual([552, '5.3.4']);
  });

  it('under the default overflow: truncate the same text is cut at a word boundary to the limit, ends "...", and says what it dropped', async () => {
    const account: Account = { ...DEFAULT_ACCOUNT, maxSegments: 2, compose: 'body' };
    const words = Array.from({ length: 80 }, (_, i) => `w${i}`).join(' ');
    const past = await draftSms(Buffer.from(`\r\n${words}`), account);
    expect(past.ok).toBe(true);
    if (!past.ok) return;
    const { draft } = past;
    expect(draft.parts).toHaveLength(2);
    expect(draft.text.endsWith('...')).toBe(true);
    const kept = draft.text.slice(0, -3);
    expect(words.startsWith(`${kept} `)).toBe(true);
    expect(draft.truncated).toEqual({ dropped: words.length - kept.length, needed: 3, max: 2 });
  });
});
