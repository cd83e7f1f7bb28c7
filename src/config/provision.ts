/*
 * provision.ts - the provisioning file of `mail2sms import` / `export` (SPEC 2, 12): its YAML
 * shape, validation with one message per bad key naming the file line, and the YAML export writes.
 *
 * Shape (docs/provisioning.md): a top-level `accounts` list; each account holds its settings and
 * its `users` list, so a user's account is where it is listed.
 *
 *   version: 1
 *   accounts:
 *     - name: default
 *       quota: 500                  # SMS segments per user per 24 h; absent or null: no quota
 *       cug: ["+447973100000"]      # closed user group; [] or absent: not enabled
 *       append: ""
 *       compose: subject+body       # or body, subject
 *       long: concatenate           # or split
 *       allow_ips: [127.0.0.1/32, "::1/128"]
 *       plan: e164                  # or jp-mobile
 *       max_segments: 10
 *       validity_ms: 86400000
 *       resend_unknown: true
 *       tps: 10
 *       burst: 50
 *       transliterate: false        # true: non-GSM quotes, dashes, accents … sent as their GSM form
 *       condense: auto              # or off: alert mails condensed before composition (SPEC 5)
 *       overflow: truncate          # or refuse: a text over max_segments cut with … or refused 552
 *       coalesce: 60s               # or off: identical text to one number within it sent once, (xN)
 *       max_per_hour: null          # most SMS per number per hour, the rest summed up; null: no cap
 *       max_age: none               # or a duration: older messages end expired when their turn comes
 *       inbound: none               # or an address: where an SMS that answers no alert is mailed (SPEC 10)
 *       reply_to_alert_sender: true # false: an answer to an alert is mailed to `inbound` as well
 *       reply_window: 24h           # an SMS answers the newest alert to its number within this long
 *       users:
 *         - email: alerts@localhost
 *           sender_id: ACME         # optional
 *           dkim: GRAY              # PASS, GRAY, FAIL or P, G, F; default GRAY
 *           spf: GRAY
 *           dmarc: GRAY
 *           quota: 100              # optional own quota
 *           tps: 1                  # optional own rate
 *           password_hash: scrypt$16384$8$1$...   # optional; as export writes it
 *
 * Every object is strict: an unknown key is an error. Each entry is the whole record: a key left
 * out takes its default (accounts/types.ts), a password_hash left out means no password.
 * Promise: parseProvisionText returns a ProvisionDoc only when the whole file is valid; otherwise
 * it throws ProvisionInvalidError listing every problem as `file:line: path: message`.
 */
import { Document } from 'yaml';
import { z } from 'zod';
import { readBoundedText } from './load.js';
import { checked } from './schema.js';
import { checkYaml } from './yaml-check.js';
import {
  ACCOUNT_DEFAULTS,
  COMPOSE_MODES,
  CONDENSE_MODES,
  LONG_MODES,
  NUMBERING_PLANS,
  OVERFLOW_MODES,
  USER_DEFAULTS,
  formatDuration,
  parseAccountName,
  parseAllowIp,
  parseChoice,
  parseCugNumber,
  parseDuration,
  parseEmail,
  parseJudgment,
  parsePasswordHash,
  parseSenderId,
  type Account,
  type Parsed,
  type ProvisionDoc,
  type User,
} from '../accounts/index.js';
import { GatewayError } from '../errors.js';

export class ProvisionInvalidError extends GatewayError {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super('M2S_IMPORT_INVALID', `nothing imported from ${source}:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** A value of `parse` (a duration `60s`, an address), or the word that turns the setting off (null). */
const orOff =
  <T>(off: string, parse: (value: string) => Parsed<T>) =>
  (value: string): Parsed<T | null> =>
    value === off ? { ok: true, value: null } : parse(value);
const count = (min: number) => z.number().int().min(min);
const rate = z.number().positive();
const passwordHash = z.string().refine((h) => parsePasswordHash(h) !== undefined, 'is not scrypt$N$r$p$salt$hash as mail2sms export writes it');

const userSchema = z.strictObject({
  email: checked(parseEmail),
  sender_id: checked(parseSenderId).nullish(),
  dkim: checked(parseJudgment).default(USER_DEFAULTS.dkim),
  spf: checked(parseJudgment).default(USER_DEFAULTS.spf),
  dmarc: checked(parseJudgment).default(USER_DEFAULTS.dmarc),
  quota: count(0).nullish(),
  tps: rate.nullish(),
  password_hash: passwordHash.nullish(),
});

const d = ACCOUNT_DEFAULTS;
const accountSchema = z.strictObject({
  name: checked(parseAccountName),
  quota: count(0).nullish(),
  cug: z.array(checked(parseCugNumber)).default([]),
  append: z.string().default(d.append),
  compose: checked((v) => parseChoice(v, COMPOSE_MODES)).default(d.compose),
  long: checked((v) => parseChoice(v, LONG_MODES)).default(d.long),
  allow_ips: z.array(checked(parseAllowIp)).default([...d.allowIps]),
  plan: checked((v) => parseChoice(v, NUMBERING_PLANS)).default(d.plan),
  max_segments: count(1).max(255).default(d.maxSegments),
  validity_ms: count(1).default(d.validityMs),
  resend_unknown: z.boolean().default(d.resendUnknown),
  tps: rate.default(d.tps),
  burst: count(1).default(d.burst),
  transliterate: z.boolean().default(d.transliterate),
  condense: checked((v) => parseChoice(v, CONDENSE_MODES)).default(d.condense),
  overflow: checked((v) => parseChoice(v, OVERFLOW_MODES)).default(d.overflow),
  coalesce: checked(orOff('off', parseDuration)).default(d.coalesceMs),
  max_per_hour: count(1).nullable().default(d.maxPerHour),
  max_age: checked(orOff('none', parseDuration)).default(d.maxAgeMs),
  inbound: checked(orOff('none', parseEmail)).nullable().default(d.inbound),
  reply_to_alert_sender: z.boolean().default(d.replyToAlertSender),
  reply_window: checked(parseDuration).default(d.replyWindowMs),
  users: z.array(userSchema).default([]),
});

export const provisionSchema = z
  .strictObject({ version: z.literal(1).optional(), accounts: z.array(accountSchema) })
  .superRefine((doc, ctx) => {
    const names = new Map<string, number>();
    const emails = new Map<string, string>();
    doc.accounts.forEach((a, i) => {
      const first = names.get(a.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'name'], message: `account "${a.name}" is already in accounts[${first}]` });
      else names.set(a.name, i);
      a.users.forEach((u, j) => {
        const seen = emails.get(u.email);
        if (seen !== undefined) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'users', j, 'email'], message: `user "${u.email}" is already in ${seen}` });
        else emails.set(u.email, `accounts[${i}].users[${j}]`);
      });
    });
  });

type FileDoc = z.infer<typeof provisionSchema>;
type FileAccount = FileDoc['accounts'][number];

function toDoc(file: FileDoc): ProvisionDoc {
  return { accounts: file.accounts.map((a) => ({ account: toAccount(a), users: a.users.map((u) => toUser(u, a.name)) })) };
}

function toAccount(a: FileAccount): Account {
  return {
    name: a.name,
    quota: a.quota ?? null,
    cug: a.cug,
    append: a.append,
    compose: a.compose,
    long: a.long,
    allowIps: a.allow_ips,
    plan: a.plan,
    maxSegments: a.max_segments,
    validityMs: a.validity_ms,
    resendUnknown: a.resend_unknown,
    tps: a.tps,
    burst: a.burst,
    transliterate: a.transliterate,
    condense: a.condense,
    overflow: a.overflow,
    coalesceMs: a.coalesce,
    maxPerHour: a.max_per_hour,
    maxAgeMs: a.max_age,
    inbound: a.inbound,
    replyToAlertSender: a.reply_to_alert_sender,
    replyWindowMs: a.reply_window,
  };
}

function toUser(u: FileAccount['users'][number], account: string): User {
  return {
    email: u.email,
    account,
    ...(u.sender_id != null ? { senderId: u.sender_id } : {}),
    dkim: u.dkim,
    spf: u.spf,
    dmarc: u.dmarc,
    ...(u.quota != null ? { quota: u.quota } : {}),
    ...(u.tps != null ? { tps: u.tps } : {}),
    ...(u.password_hash != null ? { passwordHash: u.password_hash } : {}),
  };
}

/** Far more than any box's accounts and users need; a larger file is refused before it is parsed. */
export const MAX_IMPORT_BYTES = 8 << 20;

export function parseProvisionFile(path: string): ProvisionDoc {
  return parseProvisionText(readBoundedText(path, MAX_IMPORT_BYTES, 'import file', 'M2S_IMPORT_INVALID', 'nothing imported: '), path);
}

export function parseProvisionText(text: string, source: string): ProvisionDoc {
  const checked = checkYaml(provisionSchema, text, source);
  if (checked.ok) return toDoc(checked.data);
  throw new ProvisionInvalidError(source, checked.stage === 'yaml' ? checked.problems.map((m) => `${source}: not valid YAML: ${m}`) : checked.problems);
}

/** The YAML `export` prints: every key of every account, a user's optional keys only when set. */
export function formatProvisionYaml(doc: ProvisionDoc): string {
  const accounts = doc.accounts.map(({ account: a, users }) => ({
    name: a.name,
    ...(a.quota !== null ? { quota: a.quota } : {}),
    cug: [...a.cug],
    append: a.append,
    compose: a.compose,
    long: a.long,
    allow_ips: [...a.allowIps],
    plan: a.plan,
    max_segments: a.maxSegments,
    validity_ms: a.validityMs,
    resend_unknown: a.resendUnknown,
    tps: a.tps,
    burst: a.burst,
    transliterate: a.transliterate,
    condense: a.condense,
    overflow: a.overflow,
    coalesce: a.coalesceMs === null ? 'off' : formatDuration(a.coalesceMs),
    max_per_hour: a.maxPerHour,
    max_age: a.maxAgeMs === null ? 'none' : formatDuration(a.maxAgeMs),
    inbound: a.inbound ?? 'none',
    reply_to_alert_sender: a.replyToAlertSender,
    reply_window: formatDuration(a.replyWindowMs),
    users: users.map((u) => ({
      email: u.email,
      ...(u.senderId !== undefined ? { sender_id: u.senderId } : {}),
      dkim: u.dkim,
      spf: u.spf,
      dmarc: u.dmarc,
      ...(u.quota !== undefined ? { quota: u.quota } : {}),
      ...(u.tps !== undefined ? { tps: u.tps } : {}),
      ...(u.passwordHash !== undefined ? { password_hash: u.passwordHash } : {}),
    })),
  }));
  const out = new Document({ version: 1, accounts });
  out.commentBefore = ' mail2sms provisioning: `mail2sms import FILE` adds or updates these accounts and users\n and leaves others alone (docs/provisioning.md). Holds password hashes: keep it private.';
  return out.toString({ lineWidth: 0 });
}

