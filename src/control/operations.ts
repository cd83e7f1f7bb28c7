/*
 * operations.ts - the one set of operations the CLI, the admin HTTP API and the daemon's unix
 * socket all call (SPEC 11): the queue (list, show, retry, cancel, purge, stats), accounts and
 * users, the routes and their health, send, the SMS received (inbox list, show).
 *
 * Each operation is a plain function of a context (the daemon's stores and parts, or the CLI's
 * own on the state file) and JSON-able params, returning a JSON-able result or throwing a
 * GatewayError (M2S_BAD_PARAMS names the param and its value). Accounts and users are the
 * store's own functions: its rules check every value (M2S_ACCOUNT_INVALID, M2S_USER_INVALID);
 * here only the field names and JSON types are checked. Queue actions are logged (`queue.retried`,
 * `queue.cancelled`, `queue.purged`) and counted (mail2sms_queue_actions_total); a retry wakes
 * the dispatcher, as an accepted mail does.
 */
import { ACCOUNT_DEFAULTS, hashPassword, parseDuration, type AccountPatch, type AccountStore, type User, type UserPatch } from '../accounts/index.js';
import { GatewayError } from '../errors.js';
import { INBOUND_STATES, type InboundRecord, type InboundState, type InboundStore } from '../inbound/index.js';
import type { Logger } from '../log/index.js';
import type { GatewayCounters, GatewayHealth } from '../metrics/index.js';
import { STATES, type MessageDetail, type Queue, type QueueState } from '../queue/index.js';

/** What one SMS to send through the gateway's own SMTP listener needs (`mail2sms send`). */
export interface SendRequest {
  readonly to: string;
  readonly text: string;
  readonly from?: string;
  readonly subject?: string;
}

export interface ControlContext {
  readonly queue: Queue;
  readonly accounts: AccountStore;
  /** The SMS received (SPEC 10); absent where a caller has no use for them. */
  readonly inbound?: InboundStore;
  readonly logger: Logger;
  readonly counters: GatewayCounters;
  readonly now: () => number;
  /** Whether delivery notices are made (a smarthost is configured): an undecided notice is otherwise `none`. */
  readonly notices: boolean;
  /** The running daemon's parts; absent when the CLI works on the state file alone. */
  readonly daemon?: {
    /** New work is in the queue: the dispatcher looks now. */
    readonly wake: () => void;
    readonly health: () => GatewayHealth;
    readonly send: (mail: SendRequest) => Promise<{ readonly response: string }>;
  };
}

/** Where a client on this box reaches an SMTP listener: a wildcard address is reached on loopback. */
export function localSmtpTarget(listen: { readonly host: string; readonly port: number }): { host: string; port: number } {
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  return { host, port: listen.port };
}

export type Params = Readonly<Record<string, unknown>>;
export type Operation = (ctx: ControlContext, params: Params) => unknown;

export function badParams(message: string): GatewayError {
  return new GatewayError('M2S_BAD_PARAMS', message);
}

function text(params: Params, name: string): string {
  const v = params[name];
  if (typeof v !== 'string' || v === '') throw badParams(`"${name}" must be a non-empty string, not ${JSON.stringify(v) ?? 'missing'}`);
  return v;
}

function optionalText(params: Params, name: string): string | undefined {
  return params[name] === undefined ? undefined : text(params, name);
}

/** The params, refusing any name outside `allowed`. */
function only(params: Params, allowed: readonly string[], what: string): Params {
  const unknown = Object.keys(params).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw badParams(`unknown ${what} field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${allowed.join(', ')}`);
  return params;
}

function needDaemon(ctx: ControlContext): NonNullable<ControlContext['daemon']> {
  if (ctx.daemon === undefined) throw new GatewayError('M2S_DAEMON_NOT_RUNNING', 'this needs the running gateway');
  return ctx.daemon;
}

const ACCOUNT_FIELDS = Object.keys(ACCOUNT_DEFAULTS);
const USER_FIELDS = ['account', 'senderId', 'dkim', 'spf', 'dmarc', 'quota', 'tps', 'password'];

/** A user as the API and `user list --json` show it: every field but the hash, and whether there is a password. */
export function publicUser(u: User): Record<string, unknown> {
  const { passwordHash, ...rest } = u;
  return { ...rest, password: passwordHash !== undefined };
}

/** A user patch from JSON: `password` (a string, or null to remove it) is hashed here; the store checks the rest. */
async function userPatch(params: Params): Promise<UserPatch> {
  const { password, ...rest } = only(params, USER_FIELDS, 'user');
  if (password !== undefined && password !== null && (typeof password !== 'string' || password === '')) throw badParams('"password" must be a non-empty string, or null to remove it');
  const passwordHash = typeof password === 'string' ? await hashPassword(password) : password;
  return { ...(rest as UserPatch), ...(passwordHash === undefined ? {} : { passwordHash }) };
}

/** A timestamp for purge: `before` (ISO 8601 date or time) or `olderThan` (a duration, e.g. 30d), exactly one. */
export function purgeBefore(params: Params, now: number): number {
  const { before, olderThan } = only(params, ['before', 'olderThan'], 'purge');
  if ((before === undefined) === (olderThan === undefined)) throw badParams('purge takes exactly one of "before" (a date, e.g. 2025-01-31 or 2025-01-31T12:00:00Z) and "olderThan" (a duration, e.g. 30d)');
  if (before !== undefined) {
    const at = typeof before === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(before) ? Date.parse(before) : NaN;
    if (Number.isNaN(at)) throw badParams(`"before" must be a date like 2025-01-31 or 2025-01-31T12:00:00Z, not ${JSON.stringify(before)}`);
    return at;
  }
  const parsed = typeof olderThan === 'string' ? parseDuration(olderThan) : undefined;
  if (parsed === undefined || !parsed.ok) throw badParams(`"olderThan" must be a duration like 30d, 12h or 90m, not ${JSON.stringify(olderThan)}`);
  return now - parsed.value;
}

function queueShow(ctx: ControlContext, params: Params): MessageDetail {
  const shown = ctx.queue.show(text(params, 'id'));
  // Without a smarthost no notice is ever made: an undecided one is `none`, not pending forever.
  return !ctx.notices && shown.notice?.state === 'pending' ? { ...shown, notice: { ...shown.notice, state: 'none' } } : shown;
}

/** `state` (one of `states`) and `limit` (default 1000) of a list. */
function listParams<S extends string>(params: Params, states: readonly S[]): { limit: number; state?: S } {
  const { state, limit } = only(params, ['state', 'limit'], 'list');
  if (state !== undefined && !(states as readonly unknown[]).includes(state)) throw badParams(`"state" must be one of ${states.join(', ')}, not ${JSON.stringify(state)}`);
  const n = limit === undefined ? 1000 : Number(limit);
  if (!Number.isInteger(n) || n < 1) throw badParams(`"limit" must be a whole number of at least 1, not ${JSON.stringify(limit)}`);
  return { limit: n, ...(state === undefined ? {} : { state: state as S }) };
}

function queueList(ctx: ControlContext, params: Params): unknown {
  return ctx.queue.list(listParams<QueueState>(params, STATES));
}

/** A received SMS as `inbox list|show --json` and the API show it: times in ISO 8601, absent values null. */
export function inboxView(r: InboundRecord) {
  const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    id: r.id,
    state: r.state,
    from: r.sender,
    fromKind: r.senderKind,
    route: r.route,
    received: iso(r.receivedAt) as string,
    sent: iso(r.sentAt),
    encoding: r.encoding,
    text: r.encoding === 'binary' ? `(8-bit data: ${r.dataHex ?? ''})` : r.text,
    parts: r.partsTotal,
    partsMissing: r.partsMissing ?? null,
    flash: r.flash,
    mailedTo: r.mailTo ?? null,
    answers: r.alertQid ?? null,
    messageId: r.messageId ?? null,
    attempts: r.attempts,
    nextAttempt: iso(r.nextAttemptAt),
    lastError: r.lastError ?? null,
    ended: iso(r.finalAt),
  };
}

export type InboxView = ReturnType<typeof inboxView>;

/** inbox list: the newest received SMS first, `state` and `limit` as for the queue. */
export function inboxList(store: InboundStore, params: Params): InboxView[] {
  return store.list(listParams<InboundState>(params, INBOUND_STATES)).map(inboxView);
}

/** inbox show: one received SMS by its id (M2S_INBOX_NOT_FOUND). */
export function inboxShow(store: InboundStore, params: Params): InboxView {
  const id = text(only(params, ['id'], 'inbox show'), 'id');
  const row = store.get(id);
  if (row === undefined) throw new GatewayError('M2S_INBOX_NOT_FOUND', `no received SMS ${id} (inbox list shows the ids)`);
  return inboxView(row);
}

function needInbound(ctx: ControlContext): InboundStore {
  if (ctx.inbound === undefined) throw new GatewayError('M2S_DAEMON_NOT_RUNNING', 'this needs the running gateway');
  return ctx.inbound;
}

export const OPERATIONS = {
  'queue.list': queueList,
  'queue.show': queueShow,
  'queue.stats': (ctx) => ctx.queue.overview(ctx.now()),
  'queue.retry': (ctx, params) => {
    const result = ctx.queue.retry(text(params, 'id'), ctx.now());
    ctx.daemon?.wake();
    ctx.counters.queueAction('retry');
    ctx.logger.info({ event: 'queue.retried', qid: result.id, previous: result.previous, parts: result.parts, validUntil: result.validUntil }, `message ${result.id} (${result.previous}) queued again by an operator: ${result.parts} part(s) due now`);
    return result;
  },
  'queue.cancel': (ctx, params) => {
    const result = ctx.queue.cancel(text(params, 'id'), ctx.now());
    ctx.counters.queueAction('cancel');
    ctx.logger.info({ event: 'queue.cancelled', qid: result.id, previous: result.previous, parts: result.parts, inFlight: result.inFlight }, `message ${result.id} cancelled by an operator: ${result.parts} part(s) will not be sent${result.inFlight > 0 ? `, ${result.inFlight} in flight is let finish` : ''}`);
    return result;
  },
  'queue.purge': (ctx, params) => {
    const result = ctx.queue.purge(purgeBefore(params, ctx.now()), { keepUndecided: ctx.notices });
    ctx.counters.queueAction('purge');
    ctx.logger.info({ event: 'queue.purged', before: result.before, messages: result.messages, segments: result.segments, byState: result.byState, kept: result.kept }, `purged ${result.messages} final message(s) ended before ${result.before}`);
    return result;
  },
  'accounts.list': (ctx) => ctx.accounts.listAccounts(),
  'accounts.show': (ctx, params) => {
    const name = text(params, 'name');
    const account = ctx.accounts.getAccount(name);
    if (account === undefined) throw new GatewayError('M2S_ACCOUNT_NOT_FOUND', `no account named ${name}`);
    return account;
  },
  'accounts.add': (ctx, params) => ctx.accounts.addAccount({ ...(only(params, ['name', ...ACCOUNT_FIELDS], 'account') as AccountPatch), name: text(params, 'name') }),
  'accounts.set': (ctx, { name, ...patch }) => ctx.accounts.setAccount(text({ name }, 'name'), only(patch, ACCOUNT_FIELDS, 'account') as AccountPatch),
  'accounts.remove': (ctx, params) => (ctx.accounts.removeAccount(text(params, 'name')), { removed: params['name'] }),
  'users.list': (ctx, params) => {
    const account = optionalText(only(params, ['account'], 'list'), 'account');
    return ctx.accounts.listUsers(account === undefined ? {} : { account }).map(publicUser);
  },
  'users.show': (ctx, params) => {
    const email = text(params, 'email');
    const user = ctx.accounts.getUser(email);
    if (user === undefined) throw new GatewayError('M2S_USER_NOT_FOUND', `no user with address ${email}`);
    return publicUser(user);
  },
  'users.add': async (ctx, { email, ...rest }) => {
    // A new user has nothing to remove: null (none) is the same as leaving the field out.
    const patch = Object.fromEntries(Object.entries(await userPatch(rest)).filter(([, v]) => v !== null));
    return publicUser(ctx.accounts.addUser({ ...patch, email: text({ email }, 'email'), account: text(rest, 'account') }));
  },
  'users.set': async (ctx, { email, ...rest }) => publicUser(ctx.accounts.setUser(text({ email }, 'email'), await userPatch(rest))),
  'users.remove': (ctx, params) => (ctx.accounts.removeUser(text(params, 'email')), { removed: params['email'] }),
  'inbox.list': (ctx, params) => inboxList(needInbound(ctx), params),
  'inbox.show': (ctx, params) => inboxShow(needInbound(ctx), params),
  'routes.list': (ctx) => {
    const { body } = needDaemon(ctx).health();
    return { status: body.status, routes: body.routes, problems: body.problems };
  },
  send: (ctx, params) => {
    only(params, ['to', 'text', 'from', 'subject'], 'send');
    const from = optionalText(params, 'from');
    const subject = optionalText(params, 'subject');
    const body = subject === undefined ? text(params, 'text') : (optionalText(params, 'text') ?? '');
    return needDaemon(ctx).send({ to: text(params, 'to'), text: body, ...(from ? { from } : {}), ...(subject ? { subject } : {}) });
  },
} satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPERATIONS;

/** Runs one operation; the result is awaited so that an async one's error is thrown here too. */
export async function runOperation(ctx: ControlContext, name: OperationName, params: Params = {}): Promise<unknown> {
  return (OPERATIONS[name] as Operation)(ctx, params);
}
