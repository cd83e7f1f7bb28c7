/*
 * types.ts - accounts and users (SPEC 2) as plain values.
 *
 * An account holds the sending rules every one of its users shares; a user is a sender address
 * inside an account. Until accounts are stored in SQLite (with the `account|user` CLI), the
 * gateway runs with the one embedded account below, as SPEC 12 describes for a box with no config.
 */
import type { LongMode } from '../encode/types.js';
import type { ComposeMode } from '../compose/index.js';
import type { NumberingPlan } from '../policy/index.js';

export type { ComposeMode, NumberingPlan };


export interface Account {
  readonly name: string;
  readonly compose: ComposeMode;
  readonly long: LongMode;
  readonly plan: NumberingPlan;
  readonly maxSegments: number;
  /** Text appended to every SMS (SPEC 5); '' for none. */
  readonly append: string;
  /** Client addresses allowed to send for this account (CIDR). */
  readonly allowIps: readonly string[];
  /** Validity of a message in the queue, ms (SPEC 7: default 24 h). */
  readonly validityMs: number;
  /** Resend a segment whose outcome is unknown (duplicates over loss; SPEC 7 default). */
  readonly resendUnknown: boolean;
}

export interface User {
  readonly email: string;
  readonly account: string;
}

/** SPEC 12: the account `default` with user `alerts@localhost`, open to 127.0.0.1 and ::1. */
export const DEFAULT_ACCOUNT: Account = {
  name: 'default',
  compose: 'subject+body',
  long: 'concatenate',
  plan: 'e164',
  maxSegments: 10,
  append: '',
  allowIps: ['127.0.0.1/32', '::1/128'],
  validityMs: 24 * 60 * 60 * 1000,
  resendUnknown: true,
};

export const DEFAULT_USER: User = { email: 'alerts@localhost', account: 'default' };
