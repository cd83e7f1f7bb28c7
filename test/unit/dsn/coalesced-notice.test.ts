/*
 * SPEC 7 + 8 (issue #11 item 4): the notice of a message that went out in another one, a
 * carrier of identical alerts or an hourly summary, follows that message and says so.
 */
import { describe, expect, it } from 'vitest';
import { isRequested, outcomeOf, planMailReport, recipientBlockOf, renderDeliveryReport, type RecipientOutcome } from '../../../src/dsn/index.js';
import type { DsnCarrier } from '../../../src/queue/index.js';
import { dsnMessage, HOUR, part, T0 } from './dsn-fixtures.js';

const WAIT = HOUR;
const DOMAIN = 'sms.example.lan';

const carrier = (over: Partial<DsnCarrier> = {}): DsnCarrier => ({
  qid: '0KQ8CARRIER', state: 'sent', kind: 'mail', validUntil: T0 + 24 * HOUR, finalAt: T0 + 60_000, statusReport: false,
  reason: 'identical', carried: 48, parts: [part({ sentAt: T0 + 60_000, route: 'gsm1' })], ...over,
});
const rider = (c: Partial<DsnCarrier> = {}, over: Parameters<typeof dsnMessage>[0] = {}) =>
  dsnMessage({ qid: '0KQ8RIDER', state: 'coalesced', finalAt: T0 + 60_000, parts: [part({ state: 'coalesced', attempts: 0, sentAt: null, route: null, messageRef: null })], carrier: carrier(c), ...over });

describe('the outcome of a coalesced message follows its carrier', () => {
  const cases: ReadonlyArray<[string, Partial<DsnCarrier>, number, RecipientOutcome | undefined]> = [
    ['carrier still on the wire: none yet', { state: 'sending', finalAt: null }, T0 + 61_000, undefined],
    ['carrier sent, no report asked: relayed', {}, T0 + 61_000, 'relayed'],
    ['carrier sent with a report asked: none while it may come', { statusReport: true }, T0 + 2 * HOUR, undefined],
    ['carrier delivered: delivered', { state: 'delivered', statusReport: true }, T0 + 61_000, 'delivered'],
    ['carrier failed: failed', { state: 'failed' }, T0 + 61_000, 'failed'],
    ['carrier expired: expired', { state: 'expired' }, T0 + 61_000, 'expired'],
  ];
  it.each(cases)('%s', (_name, c, now, expected) => {
    expect(outcomeOf(rider(c), now, WAIT)).toBe(expected);
  });

  it('keeps what NOTIFY asked for: a success notice only when asked, a failure notice unless NEVER', () => {
    const plan = (c: Partial<DsnCarrier>, notify: { success: boolean; failure: boolean }) => planMailReport([rider(c, { notify })], T0 + 61_000, T0 + 61_000);
    expect(plan({}, { success: false, failure: true })?.report).toEqual([]);
    expect(plan({}, { success: true, failure: true })?.report).toHaveLength(1);
    expect(plan({ state: 'failed' }, { success: false, failure: true })?.report).toHaveLength(1);
    expect(plan({ state: 'failed' }, { success: false, failure: false })?.report).toEqual([]);
    expect(isRequested('relayed', { success: false, failure: true })).toBe(false);
  });
});

describe('the notice of a coalesced message names the message it went out in and the count', () => {
  it('relayed with a carrier of identical alerts: (x49), its queue id, its route and send time', () => {
    const block = recipientBlockOf(rider(), 'relayed', DOMAIN);
    expect(block).toMatchObject({
      action: 'relayed',
      status: '2.0.0',
      diagnostic: 'coalesced into 0KQ8CARRIER: sent once for 49 identical messages to this number, as (x49)',
      coalesced: { into: '0KQ8CARRIER', reason: 'identical', count: 49 },
      routes: ['gsm1'],
      lastAttemptAt: T0 + 60_000,
    });
    const raw = renderDeliveryReport({ hostname: 'gw.test', from: 'postmaster@sms.example.lan', to: 'alerts@example.lan', date: T0 + 62_000, token: 't1', arrivalDate: T0, recipients: [block], originalHeaders: { kept: false, text: 'From: <alerts@example.lan>' } }).raw;
    expect(raw).toContain('Diagnostic-Code: X-mail2sms; coalesced into 0KQ8CARRIER: sent once for 49 identical messages to this number, as (x49)');
    expect(raw).toContain('Its text went out once for 49 identical messages to this number, as "(x49) ...", in message 0KQ8CARRIER');
    expect(raw).toContain('Final-Log-ID: 0KQ8RIDER');
  });

  it('failed with its carrier: the carrier\'s status and diagnostic after the note', () => {
    const c = { state: 'failed' as const, parts: [part({ state: 'failed', sentAt: null, finalAt: T0 + 60_000, lastStatus: '5.1.1', lastDiagnostic: '+CMS ERROR: 1 (unassigned number)' })] };
    const block = recipientBlockOf(rider(c), 'failed', DOMAIN);
    expect(block).toMatchObject({ action: 'failed', status: '5.1.1', diagnostic: 'coalesced into 0KQ8CARRIER: sent once for 49 identical messages to this number, as (x49); that message: +CMS ERROR: 1 (unassigned number)' });
  });

  it('held by the hourly cap: names the summary and the number of held alerts it counted', () => {
    const block = recipientBlockOf(rider({ qid: '0KQ8SUMMARY', kind: 'summary', reason: 'hourly-cap', carried: 180 }), 'relayed', DOMAIN);
    expect(block.diagnostic).toBe('coalesced into 0KQ8SUMMARY: held by the hourly cap of this number and counted in its summary SMS of 180 held alerts');
    const raw = renderDeliveryReport({ hostname: 'gw.test', from: 'postmaster@sms.example.lan', to: 'alerts@example.lan', date: T0 + 62_000, token: 't2', arrivalDate: T0, recipients: [block], originalHeaders: { kept: false, text: 'From: <alerts@example.lan>' } }).raw;
    expect(raw).toContain('counted in the summary SMS 0KQ8SUMMARY ("180 more alerts held, last: ...")');
  });
});
