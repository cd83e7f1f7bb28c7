/*
 * SPEC 8, RFC 3464 / RFC 6522: the delivery status notification as rendered
 * (src/dsn/delivery-report.ts, report-facts.ts), read back part by part by hand and by mailparser.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  originalHeadersOf,
  recipientBlockOf,
  renderDeliveryReport,
  type DeliveryReportInput,
  type RecipientBlock,
} from '../../../src/dsn/index.js';
import { dsnMessage, HOUR, part, T0 } from './dsn-fixtures.js';

const DOMAIN = 'sms.example.lan';
const CMS_1 = '+CMS ERROR: 1 (unassigned (unallocated) number)';

const failedMessage = dsnMessage({
  qid: '0KQ8A1',
  state: 'failed',
  finalAt: T0 + 3_000,
  parts: [part({ state: 'failed', sentAt: null, finalAt: T0 + 3_000, messageRef: null, lastStatus: '5.1.1', lastDiagnostic: CMS_1 })],
  original: {
    rcpt: '+447973100002@sms.example.lan',
    orcpt: 'rfc822;oncall@example.lan',
    envid: 'ENV-1',
    headers: 'From: alerts@example.lan\r\nTo: +447973100002@sms.example.lan\r\nSubject: Disk full\r\nMessage-ID: <m1@example.lan>\r\n',
  },
});
const deliveredMessage = dsnMessage({
  qid: '0KQ8A2',
  to: '+447973100003',
  state: 'delivered',
  statusReport: true,
  notify: { success: true, failure: true },
  parts: [part({ state: 'delivered', finalAt: T0 + 9_000, lastDiagnostic: 'TP-ST 0x00 short message received by the SME' })],
});

function input(recipients: readonly RecipientBlock[], overrides: Partial<DeliveryReportInput> = {}): DeliveryReportInput {
  return {
    hostname: 'gw.example.lan',
    from: 'postmaster@sms.example.lan',
    to: 'alerts@example.lan',
    date: T0 + 10_000,
    token: 'abc123',
    arrivalDate: T0,
    originalMessageId: '<m1@example.lan>',
    recipients,
    originalHeaders: originalHeadersOf([failedMessage, deliveredMessage], DOMAIN),
    ...overrides,
  };
}

interface Entity {
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** RFC 5322 header block and body; folded lines unfolded; names lower case. */
function entity(text: string): Entity {
  const at = text.indexOf('\r\n\r\n');
  const head = at < 0 ? text : text.slice(0, at);
  const headers = new Map<string, string>();
  for (const field of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const colon = field.indexOf(':');
    headers.set(field.slice(0, colon).toLowerCase(), field.slice(colon + 1).trim());
  }
  return { headers, body: at < 0 ? '' : text.slice(at + 4) };
}

/** The parts of a multipart body (RFC 2046 §5.1.1): text between the delimiter lines. */
function parts(mail: Entity): Entity[] {
  const boundary = /boundary="([^"]+)"/.exec(mail.headers.get('content-type') ?? '')?.[1];
  if (boundary === undefined) throw new Error('no boundary');
  const end = mail.body.indexOf(`\r\n--${boundary}--`);
  expect(end).toBeGreaterThan(0);
  return mail.body
    .slice(0, end)
    .split(`\r\n--${boundary}\r\n`)
    .slice(1)
    .map(entity);
}

/** The delivery-status body: groups of fields separated by blank lines (RFC 3464 §2.1). */
function fieldGroups(body: string): string[][] {
  return body
    .replace(/(\r\n)+$/, '')
    .split('\r\n\r\n')
    .map((group) => group.split('\r\n'));
}

describe('a delivery status notification (RFC 3464, RFC 6522)', () => {
  const blocks = [recipientBlockOf(failedMessage, 'failed', DOMAIN), recipientBlockOf(deliveredMessage, 'delivered', DOMAIN)];
  const report = renderDeliveryReport(input(blocks, { envid: 'ENV-1' }));
  const mail = entity(report.raw);

  it('is a multipart/report of report-type delivery-status to the envelope sender, an automatic reply threaded to the mail', () => {
    expect([...mail.headers.entries()]).toEqual([
      ['from', 'Mail Delivery System <postmaster@sms.example.lan>'],
      ['to', '<alerts@example.lan>'],
      ['subject', 'Delivery Status Notification (Failure): SMS to +447973100002, +447973100003'],
      ['date', 'Wed, 15 Jan 2025 09:00:10 +0000'],
      ['message-id', '<abc123@gw.example.lan>'],
      ['in-reply-to', '<m1@example.lan>'],
      ['references', '<m1@example.lan>'],
      ['auto-submitted', 'auto-replied'],
      ['mime-version', '1.0'],
      ['content-type', 'multipart/report; report-type=delivery-status; boundary="=_mail2sms_abc123"'],
    ]);
    expect(report.messageId).toBe('<abc123@gw.example.lan>');
    expect(report.raw.split('\r\n').every((line) => line.length <= 998 && !line.includes('\n'))).toBe(true);
  });

  it('has three parts: the explanation, the message/delivery-status fields, the original headers', () => {
    const [text, status, headers] = parts(mail);
    expect(parts(mail)).toHaveLength(3);
    expect(text?.headers.get('content-type')).toBe('text/plain; charset=us-ascii');
    expect(text?.body).toContain('NOT DELIVERED to +447973100002: +CMS ERROR: 1 (unassigned (unallocated) number)\r\n  Status 5.1.1.');
    expect(text?.body).toContain('DELIVERED to +447973100003: it reached the phone Wed, 15 Jan 2025 09:00:09 +0000.');
    expect(status?.headers.get('content-type')).toBe('message/delivery-status');
    expect(headers?.headers.get('content-type')).toBe('text/rfc822-headers');
    expect(headers?.headers.get('content-description')).toBe('Headers of the original mail');
    expect(headers?.body).toBe('From: alerts@example.lan\r\nTo: +447973100002@sms.example.lan\r\nSubject: Disk full\r\nMessage-ID: <m1@example.lan>\r\n');
  });

  it('gives the per-message fields, then one recipient group per destination reported', () => {
    const groups = fieldGroups(parts(mail)[1]!.body);
    expect(groups).toEqual([
      ['Reporting-MTA: dns; gw.example.lan', 'Original-Envelope-Id: ENV-1', 'Arrival-Date: Wed, 15 Jan 2025 09:00:00 +0000'],
      [
        'Original-Recipient: rfc822; oncall@example.lan',
        'Final-Recipient: rfc822; +447973100002@sms.example.lan',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: X-mail2sms; +CMS ERROR: 1 (unassigned (unallocated) number)',
        'Last-Attempt-Date: Wed, 15 Jan 2025 09:00:03 +0000',
        'Final-Log-ID: 0KQ8A1',
        'X-Mail2SMS-Route: gsm1',
      ],
      [
        'Final-Recipient: rfc822; +447973100003@sms.example.lan',
        'Action: delivered',
        'Status: 2.0.0',
        'Diagnostic-Code: X-mail2sms; TP-ST 0x00 short message received by the SME',
        'Last-Attempt-Date: Wed, 15 Jan 2025 09:00:02 +0000',
        'Final-Log-ID: 0KQ8A2',
        'X-Mail2SMS-Route: gsm1',
      ],
    ]);
  });

  it('is read by mailparser as a report with its delivery-status and headers parts', async () => {
    // keepDeliveryStatus: mailparser otherwise folds the delivery-status part into the text.
    const parsed = await simpleParser(Buffer.from(report.raw), { keepDeliveryStatus: true });
    expect(parsed.subject).toBe('Delivery Status Notification (Failure): SMS to +447973100002, +447973100003');
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(parsed.text).toContain('NOT DELIVERED to +447973100002');
    const types = parsed.attachments.map((a) => a.contentType);
    expect(types).toEqual(['message/delivery-status', 'text/rfc822-headers']);
    expect(parsed.attachments[0]?.content.toString()).toContain('Action: delivered');
  });
});

describe('the recipient block of each outcome', () => {
  it('names the part that failed, not the parts left unsent because of it', () => {
    const m = dsnMessage({
      state: 'failed',
      parts: [
        part({ seq: 1, state: 'sent', sentAt: T0 + 1_000 }),
        part({ seq: 2, state: 'failed', sentAt: null, finalAt: T0 + 2_000, lastStatus: '5.1.1', lastDiagnostic: CMS_1 }),
        part({ seq: 3, state: 'failed', attempts: 0, sentAt: null, finalAt: T0 + 2_000, lastStatus: '5.1.1', lastDiagnostic: 'not sent: part 2 failed' }),
      ],
    });
    const block = recipientBlockOf(m, 'failed', DOMAIN);
    expect(block).toMatchObject({ action: 'failed', status: '5.1.1', diagnostic: CMS_1, part: 2, parts: 3, lastAttemptAt: T0 + 2_000 });
    const text = entity(renderDeliveryReport(input([block])).raw);
    expect(parts(text)[0]?.body).toContain('NOT DELIVERED to +447973100002 (part 2 of 3): +CMS ERROR: 1');
  });

  it('reports an expiry as failed with 4.4.7 and what was last heard', () => {
    const m = dsnMessage({ state: 'expired', parts: [part({ state: 'expired', sentAt: null, lastStatus: '4.4.7', lastDiagnostic: 'validity ended after 3 attempts; last: 4.4.0 +CMS ERROR: 331 (no network)' })] });
    expect(recipientBlockOf(m, 'expired', DOMAIN)).toMatchObject({ action: 'failed', status: '4.4.7', diagnostic: 'validity ended after 3 attempts; last: 4.4.0 +CMS ERROR: 331 (no network)' });
  });

  it('reports a part that may have gone out as failed with 4.4.1 and says it may have arrived', () => {
    const m = dsnMessage({ state: 'unknown', parts: [part({ state: 'unknown', messageRef: null, sentAt: null, finalAt: T0 + 5_000, lastStatus: null, lastDiagnostic: 'no answer after the PDU was sent' })] });
    const block = recipientBlockOf(m, 'unknown', DOMAIN);
    expect(block).toMatchObject({ action: 'failed', status: '4.4.1', diagnostic: 'no answer after the PDU was sent', lastAttemptAt: T0 + 5_000 });
    expect(parts(entity(renderDeliveryReport(input([block])).raw))[0]?.body).toContain('It may or may not have gone out');
  });

  it('reports a sent SMS with no report as relayed, 2.0.0, with no Diagnostic-Code, and says why', () => {
    const asked = recipientBlockOf(dsnMessage({ statusReport: true }), 'relayed', DOMAIN);
    const notAsked = recipientBlockOf(dsnMessage({ statusReport: false }), 'relayed', DOMAIN);
    expect(asked).toMatchObject({ action: 'relayed', status: '2.0.0', reportMissing: true });
    expect(asked.diagnostic).toBeUndefined();
    expect(notAsked.reportMissing).toBe(false);
    const rendered = entity(renderDeliveryReport(input([asked])).raw);
    expect(rendered.headers.get('subject')).toBe('Delivery Status Notification (Relayed): SMS to +447973100002');
    expect(fieldGroups(parts(rendered)[1]!.body)[1]).toEqual([
      'Final-Recipient: rfc822; +447973100002@sms.example.lan',
      'Action: relayed',
      'Status: 2.0.0',
      'Last-Attempt-Date: Wed, 15 Jan 2025 09:00:02 +0000',
      'Final-Log-ID: 0KQ8A1',
      'X-Mail2SMS-Route: gsm1',
    ]);
    expect(parts(rendered)[0]?.body).toContain('no delivery report by the end of the wait');
  });

  it('falls back to 5.0.0 when a failed part has no usable status, and names <number>@<domain> when RCPT TO was not kept', () => {
    const m = dsnMessage({ state: 'failed', parts: [part({ state: 'failed', lastStatus: '2.0.0', lastDiagnostic: 'TP-ST 0x41 incompatible destination' })] });
    expect(recipientBlockOf(m, 'failed', DOMAIN)).toMatchObject({ status: '5.0.0', finalRecipient: '+447973100002@sms.example.lan' });
  });

  it('calls an all-delivered notice a success', () => {
    const rendered = entity(renderDeliveryReport(input([recipientBlockOf(deliveredMessage, 'delivered', DOMAIN)])).raw);
    expect(rendered.headers.get('subject')).toBe('Delivery Status Notification (Success): SMS to +447973100003');
  });
});

describe('text from outside cannot break the report', () => {
  it('puts a diagnostic with line breaks, an ENVID with controls and non-ASCII text on one ASCII line each', () => {
    const m = dsnMessage({ state: 'failed', parts: [part({ state: 'failed', lastStatus: '5.0.0', lastDiagnostic: 'bad\r\nAction: delivered\r\n\r\nStatus: 2.0.0 é' })] });
    const raw = renderDeliveryReport(input([recipientBlockOf(m, 'failed', DOMAIN)], { envid: 'E\r\nX-Evil: 1' })).raw;
    const groups = fieldGroups(parts(entity(raw))[1]!.body);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toContain('Original-Envelope-Id: E X-Evil: 1');
    expect(groups[1]).toContain('Diagnostic-Code: X-mail2sms; bad Action: delivered Status: 2.0.0 ?');
    expect(groups[1]?.filter((f) => f.startsWith('Action:'))).toEqual(['Action: failed']);
    expect(/[^\x00-\x7f]/.test(raw)).toBe(false);
  });

  it('marks an 8-bit header block 8bit, and says so when the headers were rebuilt from the queue', () => {
    const utf8 = renderDeliveryReport(input([recipientBlockOf(failedMessage, 'failed', DOMAIN)], { originalHeaders: { kept: true, text: 'Subject: Störung\n' } }));
    const headerPart = parts(entity(utf8.raw))[2]!;
    expect(headerPart.headers.get('content-transfer-encoding')).toBe('8bit');
    expect(headerPart.body).toBe('Subject: Störung\r\n');

    const rebuilt = originalHeadersOf([dsnMessage(), dsnMessage({ qid: 'Q2', to: '+447973100009' })], DOMAIN);
    expect(rebuilt).toEqual({
      kept: false,
      text: 'Message-ID: <m1@example.lan>\r\nFrom: <alerts@example.lan>\r\nTo: <+447973100002@sms.example.lan>,\r\n <+447973100009@sms.example.lan>',
    });
    const part3 = parts(entity(renderDeliveryReport(input([recipientBlockOf(dsnMessage(), 'relayed', DOMAIN)], { originalHeaders: rebuilt })).raw))[2]!;
    expect(part3.headers.get('content-description')).toBe('Fields of the original mail rebuilt from the queue (its header block was not kept)');
  });

  it('leaves out In-Reply-To when the mail had no Message-ID, and Original-Envelope-Id when no ENVID was given', () => {
    const raw = renderDeliveryReport(input([recipientBlockOf(dsnMessage(), 'relayed', DOMAIN)], { originalMessageId: 'sid1@client' })).raw;
    const mail = entity(raw);
    expect(mail.headers.has('in-reply-to')).toBe(false);
    expect(fieldGroups(parts(mail)[1]!.body)[0]).toEqual(['Reporting-MTA: dns; gw.example.lan', 'Arrival-Date: Wed, 15 Jan 2025 09:00:00 +0000']);
  });

  it('names four or more destinations in the subject by the first three and a count', () => {
    const blocks = [1, 2, 3, 4, 5].map((n) => recipientBlockOf(dsnMessage({ qid: `Q${n}`, to: `+4479731000${n}0` }), 'relayed', DOMAIN));
    expect(renderDeliveryReport(input(blocks)).subject).toBe('Delivery Status Notification (Relayed): SMS to +447973100010, +447973100020, +447973100030 and 2 more');
  });

  it('writes the Arrival-Date of a mail accepted at another hour in UTC', () => {
    const raw = renderDeliveryReport(input([recipientBlockOf(dsnMessage(), 'relayed', DOMAIN)], { arrivalDate: T0 + 15 * HOUR + 61_000 })).raw;
    expect(raw).toContain('Arrival-Date: Thu, 16 Jan 2025 00:01:01 +0000');
  });
});
