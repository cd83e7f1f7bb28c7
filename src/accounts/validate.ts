/*
 * validate.ts - the rules for each account and user value (SPEC 2, 12), as pure functions.
 *
 * Promise: pure; each parser returns the normalised value or a sentence that names the bad value
 * and says what is expected, without naming where it came from, so the CLI can prefix the flag
 * (`--dkim "MAYBE" is not ...`) and an import its file, line and key path. The store runs the
 * whole-record checks (checkAccount, checkUser) before every write, so nothing invalid is stored
 * whichever way it arrives.
 */
import { parseCidr } from '../policy/index.js';
import { COMPOSE_MODES, CONDENSE_MODES, JUDGMENTS, LONG_MODES, NUMBERING_PLANS, OVERFLOW_MODES, type Account, type Judgment, type User } from './types.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(message: string): Parsed<T> => ({ ok: false, message });
const q = (v: string): string => JSON.stringify(v);

/** Account names: what an operator types and a YAML key survives unquoted. */
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A practical RFC 5321 §4.1.2 Mailbox: dot-atom local part, a host name (single labels such as `localhost` allowed). */
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** 3GPP TS 23.040 §9.1.2.5: an alphanumeric originator is at most 11 GSM characters; we take letters and digits. */
const ALPHANUMERIC_SENDER = /^[A-Za-z0-9]{1,11}$/;
/** ITU-T E.164 §6.1: at most 15 digits. */
const NUMERIC_SENDER = /^\+?[0-9]{1,15}$/;
/** A closed-user-group destination in international form (SPEC 4: country code and 8 to 15 digits). */
const CUG_NUMBER = /^\+?([1-9][0-9]{7,14})$/;

export function parseAccountName(value: string): Parsed<string> {
  return ACCOUNT_NAME.test(value) ? ok(value) : bad(`account name ${q(value)} must be 1-64 letters, digits, _ . - starting with a letter or digit`);
}

export function parseEmail(value: string): Parsed<string> {
  const email = value.trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? ok(email) : bad(`${q(value)} is not an email address (user@domain)`);
}

/** Said beside a sender ID where no route of the box can set it (preview, verdict@, the start log). */
export const SENDER_ID_UNUSED = "(not used on this box: no route here is SMPP, and a modem sends from its SIM's own number)";

export function parseSenderId(value: string): Parsed<string> {
  if (NUMERIC_SENDER.test(value) || ALPHANUMERIC_SENDER.test(value)) return ok(value);
  return bad(`${q(value)} is neither 1-11 letters and digits nor a number of up to 15 digits (optionally after '+')`);
}

/** PASS, GRAY or FAIL, or P, G, F, in any case. */
export function parseJudgment(value: string): Parsed<Judgment> {
  const upper = value.trim().toUpperCase();
  const found = JUDGMENTS.find((j) => j === upper || j[0] === upper);
  return found ? ok(found) : bad(`${q(value)} is not PASS, GRAY or FAIL (or P, G, F)`);
}

/** A closed-user-group number, normalised to '+' and digits as the policy gate writes destinations. */
export function parseCugNumber(value: string): Parsed<string> {
  const digits = CUG_NUMBER.exec(value.trim())?.[1];
  return digits ? ok(`+${digits}`) : bad(`${q(value)} is not an international number ('+', country code and number, 8 to 15 digits)`);
}

export function parseAllowIp(value: string): Parsed<string> {
  const text = value.trim();
  return parseCidr(text) ? ok(text) : bad(`${q(value)} is not an IP address or CIDR block (e.g. 192.0.2.0/24 or 2001:db8::/32)`);
}

export function parseChoice<T extends string>(value: string, choices: readonly T[]): Parsed<T> {
  const found = choices.find((c) => c === value);
  return found ? ok(found) : bad(`${q(value)} is not one of ${choices.join(', ')}`);
}

/** A whole number of at least `min` (a count, a quota, segments). */
export function parseCount(value: string, min: number): Parsed<number> {
  return /^[0-9]+$/.test(value) && Number(value) >= min && Number.isSafeInteger(Number(value))
    ? ok(Number(value))
    : bad(`${q(value)} is not a whole number of at least ${min}`);
}

/** A rate in SMS per second: a positive number, fractions allowed (0.5 is one SMS every 2 s). */
export function parseRate(value: string): Parsed<number> {
  return /^[0-9]+(\.[0-9]+)?$/.test(value) && Number(value) > 0 ? ok(Number(value)) : bad(`${q(value)} is not a positive number of SMS per second`);
}

/** A yes-or-no flag: yes or no (also true or false), any case. */
export function parseYesNo(value: string): Parsed<boolean> {
  const word = value.trim().toLowerCase();
  if (word === 'yes' || word === 'true') return ok(true);
  if (word === 'no' || word === 'false') return ok(false);
  return bad(`${q(value)} is not yes or no`);
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration as an operator writes it: a whole number and a unit, ms, s, m, h or d (`90s`, `2h`). */
export function parseDuration(value: string): Parsed<number> {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (DURATION_UNITS[m[2] as string] as number) : NaN;
  return Number.isSafeInteger(ms) && ms > 0 ? ok(ms) : bad(`${q(value)} is not a duration (a whole number above 0 and a unit: ms, s, m, h or d, e.g. 60s or 2h)`);
}

/** The shortest exact spelling of a duration that parseDuration reads back (`3600000` -> `1h`). */
export function formatDuration(ms: number): string {
  const unit = (['d', 'h', 'm', 's'] as const).find((u) => ms % (DURATION_UNITS[u] as number) === 0);
  return unit ? `${ms / (DURATION_UNITS[unit] as number)}${unit}` : `${ms}ms`;
}

/** Every problem of a whole account, as "field: message"; empty when it may be stored. */
export function checkAccount(a: Account): string[] {
  const problems: string[] = [];
  const check = (field: string, r: Parsed<unknown>): void => void (r.ok || problems.push(`${field}: ${r.message}`));
  check('name', parseAccountName(a.name));
  if (a.quota !== null) check('quota', countOk(a.quota, 0));
  a.cug.forEach((n, i) => check(`cug[${i}]`, normalised(n, parseCugNumber)));
  a.allowIps.forEach((c, i) => check(`allowIps[${i}]`, parseAllowIp(c)));
  check('compose', parseChoice(a.compose, COMPOSE_MODES));
  check('long', parseChoice(a.long, LONG_MODES));
  check('plan', parseChoice(a.plan, NUMBERING_PLANS));
  // SPEC 6: a concatenated SMS has at most 255 parts (TS 23.040 §9.2.3.24.1, one octet).
  check('maxSegments', a.maxSegments <= 255 ? countOk(a.maxSegments, 1) : bad(`${a.maxSegments} is more than 255`));
  check('validityMs', countOk(a.validityMs, 1));
  check('tps', a.tps > 0 && Number.isFinite(a.tps) ? ok(a.tps) : bad(`${a.tps} is not a positive number of SMS per second`));
  check('burst', countOk(a.burst, 1));
  if (typeof a.append !== 'string') problems.push('append: must be text');
  if (typeof a.resendUnknown !== 'boolean') problems.push('resendUnknown: must be true or false');
  if (typeof a.transliterate !== 'boolean') problems.push('transliterate: must be true or false');
  check('condense', parseChoice(a.condense, CONDENSE_MODES));
  check('overflow', parseChoice(a.overflow, OVERFLOW_MODES));
  if (a.coalesceMs !== null) check('coalesceMs', countOk(a.coalesceMs, 1));
  if (a.maxPerHour !== null) check('maxPerHour', countOk(a.maxPerHour, 1));
  if (a.maxAgeMs !== null) check('maxAgeMs', countOk(a.maxAgeMs, 1));
  if (a.inbound !== null) check('inbound', normalised(a.inbound, parseEmail));
  if (typeof a.replyToAlertSender !== 'boolean') problems.push('replyToAlertSender: must be true or false');
  check('replyWindowMs', countOk(a.replyWindowMs, 1));
  return problems;
}

/** Every problem of a whole user, as "field: message"; empty when it may be stored. */
export function checkUser(u: User): string[] {
  const problems: string[] = [];
  const check = (field: string, r: Parsed<unknown>): void => void (r.ok || problems.push(`${field}: ${r.message}`));
  const email = parseEmail(u.email);
  check('email', email.ok && email.value !== u.email ? bad(`${q(u.email)} must be lower-case`) : email);
  check('account', parseAccountName(u.account));
  if (u.senderId !== undefined) check('senderId', parseSenderId(u.senderId));
  for (const field of ['dkim', 'spf', 'dmarc'] as const) check(field, parseChoice(u[field], JUDGMENTS));
  if (u.quota !== undefined) check('quota', countOk(u.quota, 0));
  if (u.tps !== undefined) check('tps', u.tps > 0 && Number.isFinite(u.tps) ? ok(u.tps) : bad(`${u.tps} is not a positive number of SMS per second`));
  // The hash itself is never put in a message.
  if (u.passwordHash !== undefined && !parsePasswordHash(u.passwordHash)) problems.push('passwordHash: is not scrypt$N$r$p$salt$hash (as mail2sms export writes it)');
  return problems;
}

export interface PasswordHashParts {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const PASSWORD_HASH = /^scrypt\$([0-9]{1,8})\$([0-9]{1,3})\$([0-9]{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/**
 * `scrypt$N$r$p$salt_b64$hash_b64` (password.ts) into its parts: N a power of two up to 2^20,
 * r up to 32, p up to 16 (bounds so an imported hash cannot make a login take gigabytes), salt and
 * hash at least 16 bytes.
 */
export function parsePasswordHash(text: string): PasswordHashParts | undefined {
  const m = PASSWORD_HASH.exec(text);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4] as string, 'base64');
  const hash = Buffer.from(m[5] as string, 'base64');
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16 || salt.length < 16 || hash.length < 16) return undefined;
  return { N, r, p, salt, hash };
}

/** A stored value must already be in the form its parser gives (an address lower-case, a number with its '+'). */
function normalised(value: string, parse: (v: string) => Parsed<string>): Parsed<string> {
  const r = parse(value);
  return r.ok && r.value !== value ? bad(`${q(value)} must be written ${q(r.value)}`) : r;
}

function countOk(n: number, min: number): Parsed<number> {
  return Number.isSafeInteger(n) && n >= min ? ok(n) : bad(`${n} is not a whole number of at least ${min}`);
}
