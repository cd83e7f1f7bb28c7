// Queue records for the DSN unit tests: one message (mail × destination) and its parts, as
// queue.dsnMail() returns them, with every field overridable.
import type { DsnMessage, DsnPart } from '../../../src/queue/index.js';

export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
export const HOUR = 3_600_000;

export function part(overrides: Partial<DsnPart> = {}): DsnPart {
  return {
    seq: 1,
    state: 'sent',
    attempts: 1,
    route: 'gsm1',
    messageRef: '7',
    sentAt: T0 + 2_000,
    finalAt: null,
    lastStatus: '2.0.0',
    lastDiagnostic: null,
    ...overrides,
  };
}

export function dsnMessage(overrides: Partial<DsnMessage> = {}): DsnMessage {
  return {
    qid: '0KQ8A1',
    mailId: '<m1@example.lan>',
    to: '+447973100002',
    from: 'alerts@example.lan',
    state: 'sent',
    createdAt: T0,
    validUntil: T0 + 24 * HOUR,
    finalAt: T0 + 2_000,
    statusReport: false,
    notify: { success: false, failure: true },
    original: {},
    dsn: { mark: null, at: null, attempts: 0, error: null },
    parts: [part()],
    ...overrides,
  };
}
