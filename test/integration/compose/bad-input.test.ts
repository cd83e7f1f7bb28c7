/*
 * Bad input through the intake path (draftSms from src/pipeline.ts, default account), issue 5
 * "Bad input": each gets a precise outcome, never a throw. What is decided (src/parse/parse.ts):
 * an unknown charset is read as UTF-8 with `?` for bytes that are not UTF-8; broken base64 is
 * decoded as far as it goes (RFC 2045 §6.8: characters outside the alphabet are ignored); a
 * multipart without its closing boundary keeps what it holds; no text at all is 554 5.6.0.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT } from '../../../src/accounts/index.js';
import { parseMail, type ParsedMail } from '../../../src/parse/index.js';
import { draftSms, type DraftResult } from '../../../src/pipeline.js';

const mail = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function draft(raw: Buffer): Promise<DraftResult> {
  return draftSms(raw, DEFAULT_ACCOUNT);
}

async function parsed(raw: Buffer): Promise<ParsedMail> {
  const result = await parseMail(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.mail;
}

function textOf(result: DraftResult): string {
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.draft.text;
}

describe('bad input gets a precise outcome through draftSms', () => {
  it('an unknown charset is read as UTF-8, and bytes that are not UTF-8 become "?" (kept GSM 7-bit)', async () => {
    const raw = mail('Subject: =?x-unknown?Q?Caf=E9?=', 'Content-Type: text/plain; charset=x-unknown', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=E9 =E2=82=AC5 due', '');
    const result = await draft(raw);
    expect(textOf(result)).toBe('(Caf?) caf? €5 due');
    expect(result.ok && result.draft.encoding).toBe('gsm7');
  });

  it('broken base64 is decoded as far as it goes: characters outside the alphabet are skipped (RFC 2045 §6.8)', async () => {
    const raw = mail('Subject: s', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', 'UHVt!!cCAz**IGZh#aWxlZA==', '');
    expect(textOf(await draft(raw))).toBe('(s) Pump 3 failed');
  });

  it('base64 that is cut short still gives its text, the rest as "?" ', async () => {
    const raw = mail('Subject: s', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from('Pump 3 failed é').toString('base64').slice(0, -3), '');
    expect(textOf(await draft(raw))).toBe('(s) Pump 3 failed ?');
  });

  it('a multipart with no closing boundary keeps its text and lists the cut-off image as ignored', async () => {
    const raw = mail('Subject: s', 'Content-Type: multipart/mixed; boundary=XX', '', '--XX', 'Content-Type: text/plain', '', 'Pump 3 failed', '--XX', 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', PNG_BASE64.slice(0, 20));
    expect(textOf(await draft(raw))).toBe('(s) Pump 3 failed');
    expect((await parsed(raw)).ignoredAttachments).toEqual([expect.objectContaining({ contentType: 'image/png' })]);
  });

  it('0 bytes is refused 554 5.6.0 "nothing to send"', async () => {
    const result = await draft(Buffer.alloc(0));
    expect(result.ok).toBe(false);
    if (!result.ok) expect([result.error.code, result.error.responseCode, result.error.enhanced, result.error.message]).toEqual(['M2S_MAIL_EMPTY', 554, '5.6.0', '5.6.0 Message refused: nothing to send (subject and body are empty)']);
  });

  it('headers with an empty subject and an empty body are refused 554 5.6.0', async () => {
    const result = await draft(mail('From: plc@plant.example', 'Subject: ', '', ''));
    expect(!result.ok && [result.error.code, result.error.responseCode, result.error.enhanced]).toEqual(['M2S_MAIL_EMPTY', 554, '5.6.0']);
  });

  it('a body that is only an image is refused 554 5.6.0, and the image is reported as ignored', async () => {
    const raw = mail('From: cam@plant.example', 'Content-Type: multipart/mixed; boundary=XX', '', '--XX', 'Content-Type: image/png; name=cam1.png', 'Content-Disposition: attachment; filename=cam1.png', 'Content-Transfer-Encoding: base64', '', PNG_BASE64, '--XX--', '');
    const result = await draft(raw);
    expect(!result.ok && [result.error.code, result.error.responseCode, result.error.enhanced]).toEqual(['M2S_MAIL_EMPTY', 554, '5.6.0']);
    expect((await parsed(raw)).ignoredAttachments).toEqual([{ contentType: 'image/png', filename: 'cam1.png', size: 70 }]);
  });

  it('an image with a subject sends the subject alone', async () => {
    const raw = mail('Subject: Camera 1 motion', 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', PNG_BASE64, '');
    expect(textOf(await draft(raw))).toBe('Camera 1 motion');
  });

  it('HTML that is only markup and images is refused 554 5.6.0', async () => {
    const result = await draft(mail('Content-Type: text/html', '', '<html><body><img src="cid:x"><table><tr><td>&nbsp;</td></tr></table></body></html>', ''));
    expect(!result.ok && result.error.code).toBe('M2S_MAIL_EMPTY');
  });

  it('HTML nested far deeper than real markup keeps its text', async () => {
    const result = await draft(mail('Subject: s', 'Content-Type: text/html', '', `${'<div>'.repeat(5000)}Tank &amp; valve`, ''));
    expect(textOf(result)).toBe('(s) Tank & valve');
  });

  it('a reply that is only a quote keeps the quote rather than sending nothing', async () => {
    const raw = mail('Subject: Re: Pump 3', '', 'On Tue, Plant Monitor wrote:', '> Pump 3 failed', '');
    expect(textOf(await draft(raw))).toBe('(Re: Pump 3) On Tue, Plant Monitor wrote:\n> Pump 3 failed');
  });

  it('a header section with no body and no blank line is read, not refused as unparseable', async () => {
    expect(textOf(await draft(Buffer.from('Subject: TANK 2 LOW')))).toBe('TANK 2 LOW');
  });
});
