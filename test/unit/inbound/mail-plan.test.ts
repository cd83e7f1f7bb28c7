/*
 * Where a received SMS is mailed and what the mail says (SPEC 10, issue 14 item 4).
 */
import { describe, expect, it } from 'vitest';
import { planInboundMail, type InboundSettings, type InboundSms, type MailPlanInput } from '../../../src/inbound/mail-plan.js';
import type { AlertRef } from '../../../src/queue/index.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

const sms: InboundSms = {
  id: '01JD000000ABCDEF',
  route: 'gsm1',
  sender: '+41791234567',
  senderKind: 'international',
  encoding: 'gsm7',
  text: 'ack 42',
  partsTotal: 1,
  flash: false,
  sentAt: NOW - 60_000,
  receivedAt: NOW - 30_000,
};
const alert: AlertRef = {
  qid: '01JCZZZZZZALERT1',
  account: 'ops',
  userEmail: 'alertmanager@example.org',
  replyAddr: 'oncall-team@example.org',
  subject: '[FIRING:1] DiskFull db1',
  messageId: '<alert-1@alertmanager.example.org>',
  createdAt: NOW - 2 * HOUR,
};
const ops: InboundSettings = { name: 'ops', inbound: 'ops-inbox@example.org', replyToAlertSender: true, replyWindowMs: 24 * HOUR };
const base: MailPlanInput = { sms, now: NOW, domain: 'sms.example.lan', hostname: 'gw1.example.lan' };

function mailOf(input: MailPlanInput) {
  const plan = planInboundMail(input);
  if (plan.kind !== 'mail') throw new Error(`held: ${plan.reason}`);
  return plan;
}

describe('an SMS that answers an alert', () => {
  it('goes to the alert\'s reply address, threaded to the alert, Subject "Re: <the alert\'s subject>"', () => {
    const plan = mailOf({ ...base, alert, alertAccount: ops });
    expect(plan.alertQid).toBe(alert.qid);
    expect(plan.mail).toMatchObject({
      from: '+41791234567@sms.example.lan',
      to: ['oncall-team@example.org'],
      subject: 'Re: [FIRING:1] DiskFull db1',
      inReplyTo: '<alert-1@alertmanager.example.org>',
      references: '<alert-1@alertmanager.example.org>',
    });
    expect(plan.mail.text).toMatch(/^ack 42\n/);
    expect(plan.mail.headers['Auto-Submitted']).toBe('auto-generated');
  });

  it('goes to the alert\'s sender when the alert had no Reply-To (the queue gives its From as the reply address), and "Re:" is not doubled', () => {
    const plan = mailOf({ ...base, alert: { ...alert, replyAddr: alert.userEmail, subject: 'Re: RE: disk full' }, alertAccount: ops });
    expect(plan.mail.to).toEqual(['alertmanager@example.org']);
    expect(plan.mail.subject).toBe('Re: disk full');
  });

  it('goes to the account\'s inbound address as well when the account says reply-to-alert-sender no', () => {
    const plan = mailOf({ ...base, alert, alertAccount: { ...ops, replyToAlertSender: false } });
    expect(plan.mail.to).toEqual(['oncall-team@example.org', 'ops-inbox@example.org']);
  });

  it('is not threaded to an alert whose mail had no Message-ID of its own', () => {
    const plan = mailOf({ ...base, alert: { ...alert, messageId: undefined }, alertAccount: ops });
    expect(plan.mail.inReplyTo).toBeUndefined();
    expect(plan.mail.subject).toBe('Re: [FIRING:1] DiskFull db1');
  });
});

describe('an SMS that answers no alert in the window', () => {
  it('an alert older than the account\'s reply window is not answered: the account\'s inbound address gets it, unthreaded', () => {
    const plan = mailOf({ ...base, alert, alertAccount: { ...ops, replyWindowMs: HOUR } });
    expect(plan.alertQid).toBeUndefined();
    expect(plan.mail.to).toEqual(['ops-inbox@example.org']);
    expect(plan.mail.subject).toBe('SMS from +41791234567');
    expect(plan.mail.inReplyTo).toBeUndefined();
  });

  it('goes to the box-wide inbound address, else the default account\'s, else it is held', () => {
    const defaults: InboundSettings = { name: 'default', inbound: 'desk@example.org', replyToAlertSender: true, replyWindowMs: 24 * HOUR };
    expect(mailOf({ ...base, boxInbound: 'noc@example.org', defaultAccount: defaults }).mail.to).toEqual(['noc@example.org']);
    expect(mailOf({ ...base, defaultAccount: defaults }).mail.to).toEqual(['desk@example.org']);
    const held = planInboundMail({ ...base, defaultAccount: { ...defaults, inbound: null } });
    expect(held).toMatchObject({ kind: 'held' });
    expect(held.kind === 'held' && held.reason).toMatch(/no inbound address is set/);
  });
});

describe('no loop', () => {
  it('an address in one of the gateway\'s own domains is never mailed to; with no other the SMS is held', () => {
    const loopy: MailPlanInput = { ...base, ownDomains: ['sms.example.lan', 'sms2.example.lan'], boxInbound: '+447700900001@SMS2.example.lan' };
    const held = planInboundMail(loopy);
    expect(held).toMatchObject({ kind: 'held' });
    expect(held.kind === 'held' && held.reason).toMatch(/would send the SMS back as an SMS/);
    const plan = mailOf({ ...loopy, alert: { ...alert, replyAddr: 'oncall@example.org' }, alertAccount: { ...ops, replyToAlertSender: false, inbound: 'x@sms.example.lan' } });
    expect(plan.mail.to).toEqual(['oncall@example.org']);
  });
});

describe('what the mail says', () => {
  it('an alphanumeric sender gives a valid address that says it cannot be answered', () => {
    const plan = mailOf({ ...base, sms: { ...sms, sender: 'ACME Bank', senderKind: 'alphanumeric' }, boxInbound: 'noc@example.org' });
    expect(plan.mail.from).toBe('ACME.Bank@sms.example.lan');
    expect(plan.mail.text).toContain('cannot be answered');
  });

  it('names the parts that never arrived, the SMSC time and a flash SMS', () => {
    const plan = mailOf({ ...base, sms: { ...sms, partsTotal: 3, partsMissing: [2], flash: true }, boxInbound: 'noc@example.org' });
    expect(plan.mail.text).toContain('part 2 of 3 never arrived');
    expect(plan.mail.text).toContain('Sent 2026-12-03 11:59:00 UTC (SMSC time)');
    expect(plan.mail.text).toContain('flash SMS');
  });

  it('8-bit data is shown as hex', () => {
    const plan = mailOf({ ...base, sms: { ...sms, encoding: 'binary', text: '', dataHex: 'DEAD' }, boxInbound: 'noc@example.org' });
    expect(plan.mail.text).toMatch(/^\(8-bit data, 2 octets: DEAD\)/);
  });

  it('a subject with line breaks from the alert cannot add header fields', () => {
    const plan = mailOf({ ...base, alert: { ...alert, subject: 'disk\r\nBcc: x@evil.example' }, alertAccount: ops });
    expect(plan.mail.subject).toBe('Re: disk Bcc: x@evil.example');
  });
});
