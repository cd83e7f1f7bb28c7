/*
 * The fixture folder (test/fixtures/mail/compose, sources in its SOURCES.md) run through the same
 * code path as SMTP intake: draftSms(raw, account) from src/pipeline.ts, with the default account
 * (compose subject+body, no appended text, concatenate, 10 segments at most) but condensing off:
 * these fix what parse and compose make of each MIME shape and charset; what condensing makes of
 * alert mails is fixed by test/unit/condense and test/integration/compose/alerts.test.ts.
 * Each `name.eml` has `name.expected.txt`, the exact SMS text (one trailing newline is the file's,
 * not the text's), and an entry in `expected.json` with the encoding, the segment count and the
 * content types of the attachments the SMS leaves out; or `refused` with the SMTP reply code and
 * enhanced status instead of a text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT } from '../../../src/accounts/index.js';
import { parseMail } from '../../../src/parse/index.js';
import { draftSms } from '../../../src/pipeline.js';

const AS_PARSED = { ...DEFAULT_ACCOUNT, condense: 'off' } as const;
const FOLDER = join(import.meta.dirname, '../../fixtures/mail/compose');

interface Expectation {
  readonly encoding?: 'gsm7' | 'ucs2';
  readonly segments?: number;
  readonly ignored?: readonly string[];
  readonly refused?: { readonly code: number; readonly status: string };
}

const INDEX = JSON.parse(readFileSync(join(FOLDER, 'expected.json'), 'utf8')) as Record<string, Expectation>;
const MAILS = readdirSync(FOLDER).filter((name) => name.endsWith('.eml')).sort();

describe('the compose fixture folder', () => {
  it('has an expected.json entry for every mail and a mail for every entry', () => {
    expect(Object.keys(INDEX).sort()).toEqual(MAILS);
  });

  it.each(MAILS)('%s makes the expected SMS', async (name) => {
    const raw = readFileSync(join(FOLDER, name));
    const expected = INDEX[name]!;
    const result = await draftSms(raw, AS_PARSED);
    const parsed = await parseMail(raw);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.mail.ignoredAttachments.map((a) => a.contentType)).toEqual(expected.ignored ?? []);
    if (expected.refused) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect([result.error.responseCode, result.error.enhanced]).toEqual([expected.refused.code, expected.refused.status]);
      expect(existsSync(join(FOLDER, name.replace(/\.eml$/, '.expected.txt')))).toBe(false);
      return;
    }
    const text = readFileSync(join(FOLDER, name.replace(/\.eml$/, '.expected.txt')), 'utf8').replace(/\n$/, '');
    expect(result.ok ? result.draft.text : result.error.message).toBe(text);
    if (!result.ok) return;
    expect(result.draft.encoding).toBe(expected.encoding);
    expect(result.draft.parts).toHaveLength(expected.segments!);
  });
});
