/*
 * types.ts - accounts and users (SPEC 2) as plain values, and the provisioning document that
 * `mail2sms export` writes and `mail2sms import` reads.
 *
 * An account holds the sending rules every one of its users shares; a user is a sender address
 * inside an account. The store (store.ts) keeps them in the gateway's SQLite file; a fresh store
 * is seeded with DEFAULT_ACCOUNT and DEFAULT_USER below, which are also what the gateway runs with
 * on embedded defaults (SPEC 12), so a new box works before anyone provisions it.
 */
import type { LongMode, OverflowMode } from '../encode/types.js';
import type { ComposeMode } from '../compose/index.js';
import type { CondenseMode } from '../condense/types.js';
import type { NumberingPlan } from '../policy/index.js';
import type { Judgment } from '../verdict/index.js';

export type { ComposeMode, CondenseMode, LongMode, NumberingPlan, OverflowMode };

/** A DKIM, SPF or DMARC judgment, ranked PASS > GRAY > FAIL (SPEC 3): the verdict stage's word. */
export type { Judgment };

export const COMPOSE_MODES: readonly ComposeMode[] = ['subject+body', 'body', 'subject'];
export const LONG_MODES: readonly LongMode[] = ['concatenate', 'split'];
export const NUMBERING_PLANS: readonly NumberingPlan[] = ['e164', 'jp-mobile'];
export const JUDGMENTS: readonly Judgment[] = ['PASS', 'GRAY', 'FAIL'];
export const CONDENSE_MODES: readonly CondenseMode[] = ['auto', 'off'];
export const OVERFLOW_MODES: readonly OverflowMode[] = ['truncate', 'refuse'];

export interface Account {
  readonly name: string;
  /** Daily quota in SMS segments per 24 h for users without their own; null: no quota (seed 003 §10). */
  readonly quota: number | null;
  /** Closed user group: the only destinations allowed, '+' and digits; empty: not enabled (seed 003 §9). */
  readonly cug: readonly string[];
  readonly compose: ComposeMode;
  readonly long: LongMode;
  readonly plan: NumberingPlan;
  readonly maxSegments: number;
  /** Text appended to every SMS (SPEC 5, seed 003 §11); '' for none. */
  readonly append: string;
  /** Client addresses allowed to send for this account (CIDR). */
  readonly allowIps: readonly string[];
  /** Validity of a message in the queue, ms (SPEC 7: default 24 h). */
  readonly validityMs: number;
  /** Resend a segment whose outcome is unknown (duplicates over loss; SPEC 7 default). */
  readonly resendUnknown: boolean;
  /** Per-user token bucket: refill rate in SMS per second, for users without their own. */
  readonly tps: number;
  /** Per-user token bucket size (SMS that may leave in one burst). */
  readonly burst: number;
  /**
   * Replace characters GSM 03.38 cannot carry by their nearest GSM form (smart quotes, dashes,
   * accents …) when that saves segments, instead of sending the whole text as UCS-2 (SPEC 6;
   * encode/transliterate.ts). Default false: the text goes out exactly as composed.
   */
  readonly transliterate: boolean;
  /** Condensing of alert mails before composition (SPEC 5): `auto` (default) or `off`. */
  readonly condense: CondenseMode;
  /** A text over maxSegments: `truncate` at a word boundary with `…` (default) or `refuse` (552 5.3.4). */
  readonly overflow: OverflowMode;
  /** Alert storms (SPEC 7): identical text to one number within this window goes out once, `(xN) …`; null: off. */
  readonly coalesceMs: number | null;
  /** Alert storms (SPEC 7): most messages started to one number in an hour window (opened by the first), the rest held for one summary; null: no cap. */
  readonly maxPerHour: number | null;
  /** A message older than this when its turn comes is not sent but ends `expired` (SPEC 7); null: only its validity. */
  readonly maxAgeMs: number | null;
  /** Inbound SMS (SPEC 10): where an SMS that answers no alert of this account is mailed; null: not set (the config's `inbound:`, else the `default` account's). */
  readonly inbound: string | null;
  /** An SMS that answers an alert of this account goes to the alert's sender only (true, default), or to `inbound` as well (false). */
  readonly replyToAlertSender: boolean;
  /** An SMS from a number is an answer to the newest alert sent to it within this long, ms (default 24 h). */
  readonly replyWindowMs: number;
}

export interface User {
  /** The sender address (envelope and header From), lower-case. */
  readonly email: string;
  readonly account: string;
  /** Shown on the phone: alphanumeric up to 11 characters, or a number of up to 15 digits. */
  readonly senderId?: string;
  /** Minimum judgments the user's mail must reach (SPEC 3). */
  readonly dkim: Judgment;
  readonly spf: Judgment;
  readonly dmarc: Judgment;
  /** Own quota in SMS segments per 24 h, instead of the account's. */
  readonly quota?: number;
  /** Own token bucket rate in SMS per second, instead of the account's. */
  readonly tps?: number;
  /** SMTP AUTH password as `scrypt$N$r$p$salt_b64$hash_b64` (password.ts); never logged or listed. */
  readonly passwordHash?: string;
}

/** SPEC 12: the account `default` with user `alerts@localhost`, open to 127.0.0.1 and ::1. */
export const DEFAULT_ACCOUNT: Account = {
  name: 'default',
  quota: null,
  cug: [],
  compose: 'subject+body',
  long: 'concatenate',
  plan: 'e164',
  maxSegments: 10,
  append: '',
  allowIps: ['127.0.0.1/32', '::1/128'],
  validityMs: 24 * 60 * 60 * 1000,
  resendUnknown: true,
  tps: 10,
  burst: 50,
  transliterate: false,
  condense: 'auto',
  overflow: 'truncate',
  coalesceMs: 60_000,
  maxPerHour: null,
  maxAgeMs: null,
  inbound: null,
  replyToAlertSender: true,
  replyWindowMs: 24 * 60 * 60 * 1000,
};

export const DEFAULT_USER: User = { email: 'alerts@localhost', account: 'default', dkim: 'GRAY', spf: 'GRAY', dmarc: 'GRAY' };

/**
 * The values a new account takes for what its creator leaves out: those of `default`, so a new
 * account accepts mail from loopback only until its allowed CIDRs are set (an empty list allows
 * no client at all).
 */
export const ACCOUNT_DEFAULTS: Omit<Account, 'name'> = (({ name: _name, ...rest }) => rest)(DEFAULT_ACCOUNT);

/** The values a new user takes for what its creator leaves out. */
export const USER_DEFAULTS: Pick<User, 'dkim' | 'spf' | 'dmarc'> = { dkim: 'GRAY', spf: 'GRAY', dmarc: 'GRAY' };

/** A new account: a name, and any field that is not the default. */
export type AccountInput = { readonly name: string } & Partial<Omit<Account, 'name'>>;
/** A change to an account; `quota: null` clears the quota. */
export type AccountPatch = Partial<Omit<Account, 'name'>>;

/** A new user: email and account, and any field that is not the default. */
export type UserInput = { readonly email: string; readonly account: string } & Partial<Omit<User, 'email' | 'account'>>;
/** A change to a user; `null` clears an optional field (sender ID, own quota, own rate, password). */
export interface UserPatch {
  readonly account?: string;
  readonly senderId?: string | null;
  readonly dkim?: Judgment;
  readonly spf?: Judgment;
  readonly dmarc?: Judgment;
  readonly quota?: number | null;
  readonly tps?: number | null;
  readonly passwordHash?: string | null;
}

/** The provisioning document: every account, each with its users (the YAML of provision.ts). */
export interface ProvisionDoc {
  readonly accounts: readonly ProvisionAccount[];
}

export interface ProvisionAccount {
  readonly account: Account;
  readonly users: readonly User[];
}

/** What an import did, counting accounts and users together. */
export interface ImportResult {
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
}
