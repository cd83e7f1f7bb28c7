import { describe, expect, it } from 'vitest';
import { attemptStatus, decideOutcome, type Decision, type OutcomeContext } from '../../../src/dispatch/index.js';
import type { SendOutcome } from '../../../src/transports/transport.js';

const NOW = 1_700_000_000_000;
const HOUR = 3600_000;
const ctx = (over: Partial<OutcomeContext> = {}): OutcomeContext => ({
  attempts: 1,
  now: NOW,
  validUntil: NOW + 24 * HOUR,
  resendUnknown: true,
  random: () => 0.5,
  ...over,
});

const temporary: SendOutcome = { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: '+CMS ERROR: 332 (network timeout)' };
const permanent: SendOutcome = { kind: 'failed', temporary: false, status: '5.1.1', diagnostic: '+CMS ERROR: 1 (unassigned number)' };
const unknown: SendOutcome = { kind: 'unknown', diagnostic: 'no final result after the PDU' };

describe('decideOutcome (SPEC 7)', () => {
  const cases: ReadonlyArray<[name: string, outcome: SendOutcome, context: OutcomeContext, decision: Decision, status: string]> = [
    ['sent marks the segment sent with its reference', { kind: 'sent', messageRef: '42' }, ctx(), { kind: 'sent', messageRef: '42', status: '2.0.0' }, 'sent'],
    ['a temporary failure retries after the backoff', temporary, ctx(), { kind: 'retry', at: NOW + 10_000, status: '4.4.1', diagnostic: temporary.diagnostic }, 'deferred'],
    ['a third temporary failure waits four times the base', temporary, ctx({ attempts: 3 }), { kind: 'retry', at: NOW + 40_000, status: '4.4.1', diagnostic: temporary.diagnostic }, 'deferred'],
    ['a retry is never scheduled past the validity', temporary, ctx({ attempts: 10, validUntil: NOW + 5_000 }), { kind: 'retry', at: NOW + 5_000, status: '4.4.1', diagnostic: temporary.diagnostic }, 'deferred'],
    [
      'a temporary failure after the validity ended expires the message',
      temporary,
      ctx({ attempts: 7, validUntil: NOW }),
      { kind: 'expire', status: '4.4.7', diagnostic: 'validity ended after 7 attempts; last: 4.4.1 +CMS ERROR: 332 (network timeout)' },
      'bounced',
    ],
    ['a permanent failure fails the message at once', permanent, ctx(), { kind: 'fail', status: '5.1.1', diagnostic: permanent.diagnostic }, 'bounced'],
    ['a permanent failure fails even with validity left and attempts to spare', permanent, ctx({ attempts: 1, validUntil: NOW + 99 * HOUR }), { kind: 'fail', status: '5.1.1', diagnostic: permanent.diagnostic }, 'bounced'],
    ['unknown is resent after the backoff where the account takes duplicates over loss', unknown, ctx(), { kind: 'resend', at: NOW + 10_000, status: '4.4.1', diagnostic: unknown.diagnostic }, 'unknown'],
    ['unknown is not resent where the account prefers loss', unknown, ctx({ resendUnknown: false }), { kind: 'keep-unknown', status: '4.4.1', diagnostic: unknown.diagnostic }, 'unknown'],
    ['unknown after the validity ended expires the message', unknown, ctx({ validUntil: NOW - 1 }), { kind: 'expire', status: '4.4.7', diagnostic: 'validity ended after 1 attempts; last: 4.4.1 no final result after the PDU' }, 'bounced'],
  ];
  it.each(cases)('%s', (_name, outcome, context, decision, status) => {
    const decided = decideOutcome(outcome, context);
    expect(decided).toEqual(decision);
    expect(attemptStatus(decided)).toBe(status);
  });
});
