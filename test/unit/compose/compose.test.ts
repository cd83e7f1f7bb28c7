import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeText, notifyOf, priorityOf, type ComposeMode } from '../../../src/compose/index.js';
import { parseMail, type ParsedAttachment, type ParsedMail } from '../../../src/parse/index.js';

function mail(parts: { subject?: string; text?: string; attachments?: ParsedAttachment[] }): ParsedMail {
  return {
    subject: parts.subject,
    text: parts.text,
    textFromHtml: false,
    html: undefined,
    from: 'alerts@site.example',
    replyTo: undefined,
    fromField: { fields: 1, addresses: ['alerts@site.example'], groups: [] },
    messageId: undefined,
    headers: new Map(),
    attachments: parts.attachments ?? [],
    ignoredAttachments: (parts.attachments ?? []).filter((a) => a.text === undefined),
  };
}

const NOTES: ParsedAttachment = { contentType: 'text/plain', filename: 'notes.txt', size: 12, text: 'Tank 2 at 5%' };
const IMAGE: ParsedAttachment = { contentType: 'image/png', filename: 'graph.png', size: 900 };

describe('composeText in subject+body mode (seed 003 §3.1)', () => {
  it('puts the subject in brackets before the body: the seed 003 example', () => {
    const result = composeText(mail({ subject: 'This is my message in the subject', text: 'This is my message' }), { mode: 'subject+body' });
    expect(result).toEqual({ ok: true, text: '(This is my message in the subject) This is my message' });
  });

  it.each([
    ['only a subject gives the subject alone', { subject: 'Pump 3 failed' }, 'Pump 3 failed'],
    ['only a body gives the body alone', { text: 'Pump 3 failed' }, 'Pump 3 failed'],
    ['a blank subject counts as absent', { subject: '  ', text: 'Pump 3 failed' }, 'Pump 3 failed'],
    ['a multi-line body keeps its lines', { subject: 'Alarm', text: 'line 1\nline 2' }, '(Alarm) line 1\nline 2'],
    ['text/plain attachments follow the body, one per line', { subject: 'S', text: 'body', attachments: [NOTES, IMAGE] }, '(S) body\nTank 2 at 5%'],
    ['an attachment alone is a body', { subject: 'S', attachments: [NOTES] }, '(S) Tank 2 at 5%'],
    ['non-text attachments add nothing', { subject: 'S', attachments: [IMAGE] }, 'S'],
  ])('%s', (_name, parts, expected) => {
    expect(composeText(mail(parts), { mode: 'subject+body' })).toEqual({ ok: true, text: expected });
  });

  it('is empty when there is neither subject nor body', () => {
    expect(composeText(mail({ attachments: [IMAGE] }), { mode: 'subject+body' })).toEqual({ ok: false, reason: 'empty' });
  });
});

describe('composeText in body and subject modes (seed 003 §7)', () => {
  const both = mail({ subject: 'Subject here', text: 'Body here', attachments: [NOTES] });
  it.each<[ComposeMode, string]>([
    ['body', 'Body here\nTank 2 at 5%'],
    ['subject', 'Subject here'],
  ])('%s mode keeps only its part', (mode, expected) => {
    expect(composeText(both, { mode })).toEqual({ ok: true, text: expected });
  });

  it('body mode is empty when only a subject was written', () => {
    expect(composeText(mail({ subject: 'Only subject' }), { mode: 'body' })).toEqual({ ok: false, reason: 'empty' });
  });

  it('subject mode is empty when only a body was written', () => {
    expect(composeText(mail({ text: 'Only body' }), { mode: 'subject' })).toEqual({ ok: false, reason: 'empty' });
  });
});

describe('composeText with the account appended text (seed 003 §11)', () => {
  it('puts the appended text last, on its own line', () => {
    const result = composeText(mail({ subject: 'S', text: 'B' }), { mode: 'subject+body', append: ' ACME Ltd ' });
    expect(result).toEqual({ ok: true, text: '(S) B\nACME Ltd' });
  });

  it('adds nothing for a blank appended text', () => {
    expect(composeText(mail({ text: 'B' }), { mode: 'subject+body', append: '   ' })).toEqual({ ok: true, text: 'B' });
  });

  it('never makes an SMS of the appended text alone', () => {
    expect(composeText(mail({}), { mode: 'subject+body', append: 'ACME Ltd' })).toEqual({ ok: false, reason: 'empty' });
  });
});

describe('composeText on parsed mail', () => {
  it('gives the seed 003 example from a raw message', async () => {
    const raw = 'To: <447973100000@sms.haysystems.com>\r\nSubject: This is my message in the subject\r\n\r\nThis is my message\r\n';
    const parsed = await parseMail(Buffer.from(raw));
    expect(parsed.ok && composeText(parsed.mail, { mode: 'subject+body' })).toEqual({
      ok: true,
      text: '(This is my message in the subject) This is my message',
    });
  });

  it('appends a real text/plain attachment (mikel/mail attachment_with_unquoted_name)', async () => {
    const raw = readFileSync(join(import.meta.dirname, '../../fixtures/mail/attachment_with_unquoted_name.eml'));
    const parsed = await parseMail(raw);
    expect(parsed.ok && composeText(parsed.mail, { mode: 'subject+body' })).toEqual({
      ok: true,
      text: '(testing) This is the first part.\nHi there.',
    });
  });

  it('composes an ISO-2022-JP mail with its base64 subject', async () => {
    const raw = readFileSync(join(import.meta.dirname, '../../fixtures/mail/japanese_iso_2022.eml'));
    const parsed = await parseMail(raw);
    expect(parsed.ok && composeText(parsed.mail, { mode: 'subject+body' })).toEqual({ ok: true, text: '(まみむめも) すみません。' });
  });
});

describe('priorityOf (SPEC 7)', () => {
  it.each<[string, Record<string, string>, 0 | 1]>([
    ['X-Priority: 1', { 'x-priority': '1' }, 1],
    ['X-Priority: 1 (Highest)', { 'x-priority': '1 (Highest)' }, 1],
    ['Importance: high', { importance: 'high' }, 1],
    ['Importance: HIGH in capitals', { importance: 'HIGH' }, 1],
    ['X-Priority: 2 (High)', { 'x-priority': '2 (High)' }, 0],
    ['X-Priority: 10, not 1', { 'x-priority': '10' }, 0],
    ['X-Priority: 3 (Normal)', { 'x-priority': '3 (Normal)' }, 0],
    ['Importance: low', { importance: 'low' }, 0],
    ['no priority headers', {}, 0],
  ])('%s', (_name, headers, expected) => {
    expect(priorityOf(new Map(Object.entries(headers)))).toBe(expected);
  });
});

describe('notifyOf (SPEC 8)', () => {
  it.each<[string, Record<string, string>, string[] | undefined, { success: boolean; failure: boolean }]>([
    ['no request: failures only', {}, undefined, { success: false, failure: true }],
    ['NOTIFY=SUCCESS', {}, ['SUCCESS'], { success: true, failure: true }],
    ['NOTIFY=SUCCESS,FAILURE', {}, ['SUCCESS', 'FAILURE'], { success: true, failure: true }],
    ['Return-Receipt-To header', { 'return-receipt-to': 'a@site.example' }, undefined, { success: true, failure: true }],
    ['Disposition-Notification-To header', { 'disposition-notification-to': '<a@site.example>' }, undefined, { success: true, failure: true }],
    ['a blank receipt header asks for nothing', { 'return-receipt-to': ' ' }, undefined, { success: false, failure: true }],
    ['NOTIFY=NEVER', {}, ['NEVER'], { success: false, failure: false }],
    ['NOTIFY=NEVER beats a receipt header', { 'return-receipt-to': 'a@site.example' }, ['NEVER'], { success: false, failure: false }],
  ])('%s', (_name, headers, notify, expected) => {
    expect(notifyOf(new Map(Object.entries(headers)), notify)).toEqual(expected);
  });
});
