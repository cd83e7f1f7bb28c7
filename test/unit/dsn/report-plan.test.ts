/*
 * SPEC 8: when a delivery status notification is due, what it reports, and to whom
 * (src/dsn/report-plan.ts), table-driven over queue records.
 */
import { describe, expect, it } from 'vitest';
import { isRequested, outcomeOf, planMailReport, reportAddressOf, type RecipientOutcome } from '../../../src/dsn/index.js';
import { dsnMessage, HOUR, T0 } from './dsn-fixtures.js';

const WAIT = HOUR;
const TIMING = { reportWaitMs: WAIT, gatherMs: 60_000 };

describe('the outcome a notice reports for one destination', () => {
  const cases: ReadonlyArray<[string, Parameters<typeof dsnMessage>[0], number, RecipientOutcome | undefined]> = [
    ['a message with parts still to send has none yet', { state: 'queued', finalAt: null }, T0, undefined],
    ['a part failed for good: failed', { state: 'failed' }, T0, 'failed'],
    ['its validity ended or the network said so: expired', { state: 'expired' }, T0, 'expired'],
    ['a part may have gone and is not resent: unknown', { state: 'unknown' }, T0, 'unknown'],
    ['every part reached the phone: delivered', { state: 'delivered', statusReport: true }, T0, 'delivered'],
    ['sent without a status report asked: relayed at once (RFC 3464 §2.3.3)', { state: 'sent', statusReport: false }, T0 + 2_000, 'relayed'],
    ['sent with a status report asked: none while the report may come', { state: 'sent', statusReport: true }, T0 + 23 * HOUR, undefined],
    ['sent with a status report asked and none came by the validity end: relayed', { state: 'sent', statusReport: true }, T0 + 24 * HOUR, 'relayed'],
  ];
  it.each(cases)('%s', (_name, overrides, now, expected) => {
    expect(outcomeOf(dsnMessage(overrides), now, WAIT)).toBe(expected);
  });

  it('gives a message sent near the end of its validity at least the report wait after its last part went out', () => {
    const late = dsnMessage({ state: 'sent', statusReport: true, finalAt: T0 + 23.5 * HOUR });
    expect(outcomeOf(late, T0 + 24 * HOUR, WAIT)).toBeUndefined();
    expect(outcomeOf(late, T0 + 24.5 * HOUR - 1, WAIT)).toBeUndefined();
    expect(outcomeOf(late, T0 + 24.5 * HOUR, WAIT)).toBe('relayed');
  });
});

describe('which outcomes were asked for (SPEC 8)', () => {
  it.each([
    ['delivered', { success: true, failure: true }, true],
    ['delivered', { success: false, failure: true }, false],
    ['relayed', { success: true, failure: false }, true],
    ['relayed', { success: false, failure: true }, false],
    ['failed', { success: false, failure: true }, true],
    ['failed', { success: true, failure: false }, false],
    ['expired', { success: false, failure: true }, true],
    ['unknown', { success: false, failure: true }, true],
    ['unknown', { success: false, failure: false }, false],
  ] as const)('%s with notify %o is reported: %s', (outcome, notify, expected) => {
    expect(isRequested(outcome, notify)).toBe(expected);
  });
});

describe('one notice per mail, gathered', () => {
  const failed = dsnMessage({ qid: 'Q1', to: '+447973100001', state: 'failed' });
  const delivered = dsnMessage({ qid: 'Q2', to: '+447973100002', state: 'delivered', statusReport: true, notify: { success: true, failure: true } });
  const waiting = dsnMessage({ qid: 'Q3', to: '+447973100003', state: 'sent', statusReport: true, notify: { success: true, failure: true } });

  it('covers every destination once all have an outcome, one block for each outcome asked for', () => {
    const quiet = dsnMessage({ qid: 'Q4', to: '+447973100004', state: 'sent' });
    const plan = planMailReport([failed, delivered, quiet], T0 + 5_000, T0 + 5_000, TIMING);
    expect(plan?.settle).toEqual(['Q1', 'Q2', 'Q4']);
    expect(plan?.report.map((r) => [r.message.qid, r.outcome])).toEqual([['Q1', 'failed'], ['Q2', 'delivered']]);
  });

  it('holds ended destinations while another still waits for its status report, at most the gather time', () => {
    expect(planMailReport([failed, waiting], T0 + 10_000, T0 + 5_000, TIMING)).toBeUndefined();
    const plan = planMailReport([failed, waiting], T0 + 65_000, T0 + 5_000, TIMING);
    expect(plan?.settle).toEqual(['Q1']);
    expect(plan?.report.map((r) => r.outcome)).toEqual(['failed']);
  });

  it('leaves out destinations already decided, and has nothing to do when none has ended', () => {
    const decided = { ...failed, dsn: { mark: 'sent' as const, at: T0, attempts: 1, error: null } };
    expect(planMailReport([decided, waiting], T0 + 999_999, T0, TIMING)).toBeUndefined();
    const later = { ...waiting, state: 'delivered' as const };
    expect(planMailReport([decided, later], T0 + 10_000, T0 + 10_000, TIMING)?.settle).toEqual(['Q3']);
  });

  it('settles a mail nobody asked to hear about with an empty report', () => {
    const plan = planMailReport([dsnMessage({ state: 'delivered', statusReport: true })], T0, T0, TIMING);
    expect(plan).toEqual({ settle: ['0KQ8A1'], report: [] });
  });

  it('reports a message whose report never came as relayed once its validity ended', () => {
    const plan = planMailReport([waiting], T0 + 24 * HOUR, T0 + 24 * HOUR, TIMING);
    expect(plan?.report.map((r) => r.outcome)).toEqual(['relayed']);
  });
});

describe('to whom the notice goes', () => {
  const own = { domains: ['sms.example.lan', 'sms2.example.lan'], addresses: ['postmaster@example.lan'] };
  it('goes to the envelope sender', () => {
    expect(reportAddressOf('alerts@example.lan', own)).toEqual({ ok: true, to: 'alerts@example.lan' });
  });
  it.each([
    ['', 'null sender'],
    ['root@SMS2.example.lan', 'own address'],
    ['Postmaster@example.lan', 'own address'],
    ['a@b\r\nBcc: x@y', 'not an address'],
    ['no-at-sign', 'not an address'],
  ])('never to %j (%s)', (sender) => {
    expect(reportAddressOf(sender, own).ok).toBe(false);
  });
});
