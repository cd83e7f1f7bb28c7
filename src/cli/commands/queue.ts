/*
 * queue.ts - `mail2sms queue list|show|stats|retry|cancel|purge` (SPEC 11, 12), through the
 * control operations (control/).
 * - list, show and stats read the queue file of the config's state dir (safe beside a running
 *   gateway: WAL readers), with or without a gateway running.
 * - retry and cancel go to the running gateway over its control socket (`<state_dir>/control.sock`):
 *   the gateway's dispatcher must hear of a retry at once, and a cancel must reach the process
 *   that sends. With no gateway they fail (exit 1) saying so.
 * - purge goes to the running gateway too; with none running it deletes from the file itself,
 *   holding the state lock meanwhile (so no gateway starts in the middle).
 * `queue show` says what the alert-storm rules (SPEC 7) did: the message a coalesced one went
 * out in, until when a held one waits and why, and how many a carrier or a summary carried.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openAccountStore } from '../../accounts/index.js';
import { configPath, loadConfig, type Config } from '../../config/index.js';
import { requestDaemon, runOperation, type ControlContext, type OperationName, type Params } from '../../control/index.js';
import { GatewayError, isGatewayError } from '../../errors.js';
import { silentLogger } from '../../log/index.js';
import { NO_COUNTERS } from '../../metrics/index.js';
import { openQueue, STATES, type MessageDetail, type PurgeResult, type QueueOverview, type RetryResult, type CancelResult, type MessageSummary } from '../../queue/index.js';
import { lockStateDir } from '../../state/index.js';
import { parseCommandArgs, usageError } from '../args.js';

export const USAGE = [
  'mail2sms queue list [--json] [--state STATE] [--limit N]',
  'queue show ID [--json]',
  'queue stats [--json]',
  'queue retry ID',
  'queue cancel ID',
  'queue purge --before DATE | --older-than DURATION   [--config FILE]',
].join(' | ');

const OPTIONS = { json: { type: 'boolean' }, state: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' }, 'older-than': { type: 'string' } } as const;

export async function queueCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('queue', argv, OPTIONS, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [sub, id, extra] = positionals;
  const needsId = sub === 'show' || sub === 'retry' || sub === 'cancel';
  if (!['list', 'show', 'stats', 'retry', 'cancel', 'purge'].includes(sub ?? '')) throw usageError(`queue: unknown subcommand "${sub ?? ''}"\nusage: ${USAGE}`);
  if (needsId && (id === undefined || extra !== undefined)) throw usageError(`queue ${sub} takes one queue ID\nusage: ${USAGE}`);
  if (!needsId && id !== undefined) throw usageError(`queue ${sub} takes no argument ("${id}")`);
  if (sub !== 'purge' && (values.before !== undefined || values['older-than'] !== undefined)) throw usageError(`--before and --older-than are for queue purge`);
  if (values.state !== undefined && !(STATES as readonly string[]).includes(values.state)) {
    throw usageError(`queue: --state must be one of ${STATES.join(', ')}, not "${values.state}"`);
  }
  const config = loadConfig(configPath(values.config));
  const json = values.json === true;
  switch (sub) {
    case 'retry': {
      const r = (await requestDaemon(config.state_dir, 'POST', `/api/queue/${encodeURIComponent(id as string)}/retry`, {}, `mail2sms queue retry ${id as string}`)) as RetryResult;
      out.write(json ? `${JSON.stringify(r)}\n` : `message ${r.id} (${r.previous}) queued again: ${r.parts} part(s) to send now; valid until ${r.validUntil}\n`);
      return 0;
    }
    case 'cancel': {
      const r = (await requestDaemon(config.state_dir, 'POST', `/api/queue/${encodeURIComponent(id as string)}/cancel`, {}, `mail2sms queue cancel ${id as string}`)) as CancelResult;
      out.write(json ? `${JSON.stringify(r)}\n` : `message ${r.id} cancelled: ${r.parts} part(s) will not be sent${r.inFlight > 0 ? `; ${r.inFlight} part(s) being sent are let finish` : ''}\n`);
      return 0;
    }
    case 'purge': {
      const params = { ...(values.before === undefined ? {} : { before: values.before }), ...(values['older-than'] === undefined ? {} : { olderThan: values['older-than'] }) };
      if (Object.keys(params).length !== 1) throw usageError(`queue purge takes exactly one of --before DATE and --older-than DURATION\nusage: ${USAGE}`);
      const r = (await purge(config, params)) as PurgeResult;
      const states = Object.entries(r.byState).map(([state, n]) => `${n} ${state}`).join(', ');
      out.write(json ? `${JSON.stringify(r)}\n` : `purged ${r.messages} message(s) (${r.segments} segment(s)) ended before ${r.before}${states ? `: ${states}` : ''}${r.kept > 0 ? `; ${r.kept} kept (delivery notice not decided yet, or carrier of a message kept)` : ''}\n`);
      return 0;
    }
    default:
      return read(config, sub as 'list' | 'show' | 'stats', id, values, out);
  }
}

/** Over the running gateway's socket; with none running, on the file under the state lock. */
async function purge(config: Config, params: Params): Promise<unknown> {
  try {
    return await requestDaemon(config.state_dir, 'POST', '/api/queue/purge', params, 'mail2sms queue purge');
  } catch (err) {
    if (!isGatewayError(err) || err.code !== 'M2S_DAEMON_NOT_RUNNING' || !existsSync(join(config.state_dir, 'mail2sms.db'))) throw err;
  }
  const lock = lockStateDir(config.state_dir);
  try {
    return await onFile(config, 'queue.purge', params);
  } finally {
    lock.release();
  }
}

/** One operation on the state file, without a gateway: the CLI's own context. */
async function onFile(config: Config, op: OperationName, params: Params): Promise<unknown> {
  const path = join(config.state_dir, 'mail2sms.db');
  const queue = openQueue({ path, logger: silentLogger() });
  const accounts = openAccountStore({ path });
  const ctx: ControlContext = { queue, accounts, logger: silentLogger(), counters: NO_COUNTERS, now: Date.now, notices: config.smarthost !== undefined };
  try {
    return await runOperation(ctx, op, params);
  } finally {
    accounts.close();
    await queue.close();
  }
}

type Values = { readonly json?: boolean | undefined; readonly state?: string | undefined; readonly limit?: string | undefined };

async function read(config: Config, sub: 'list' | 'show' | 'stats', id: string | undefined, values: Values, out: NodeJS.WritableStream): Promise<number> {
  const path = join(config.state_dir, 'mail2sms.db');
  const params = { ...(values.state === undefined ? {} : { state: values.state }), ...(values.limit === undefined ? {} : { limit: values.limit }) };
  // A read command never creates the state: no database yet means an empty queue.
  if (!existsSync(path)) {
    if (sub === 'show') throw new GatewayError('M2S_QUEUE_NOT_FOUND', `no message ${id ?? ''}: there is no queue at ${path} yet`);
    if (sub === 'stats') throw new GatewayError('M2S_QUEUE_NOT_FOUND', `there is no queue at ${path} yet (the gateway has not run with this config)`);
    out.write(values.json ? '[]\n' : `the queue at ${path} is empty (the gateway has not run with this config yet)\n`);
    return 0;
  }
  if (sub === 'list') {
    const rows = (await onFile(config, 'queue.list', params)) as MessageSummary[];
    if (values.json) out.write(`${JSON.stringify(rows)}\n`);
    else {
      out.write(`${'ID'.padEnd(20)} ${'STATE'.padEnd(9)} ${'TO'.padEnd(16)} SEG  ${'CREATED'.padEnd(24)} FROM\n`);
      for (const r of rows) out.write(`${r.id.padEnd(20)} ${r.state.padEnd(9)} ${r.to.padEnd(16)} ${String(r.segments).padEnd(4)} ${r.created.padEnd(24)} ${r.from || '<>'}\n`);
    }
    return 0;
  }
  if (sub === 'stats') {
    const stats = (await onFile(config, 'queue.stats', {})) as QueueOverview;
    out.write(values.json ? `${JSON.stringify(stats)}\n` : statsText(stats));
    return 0;
  }
  const detail = (await onFile(config, 'queue.show', { id })) as MessageDetail;
  out.write(values.json ? `${JSON.stringify(detail)}\n` : showText(detail, config.smarthost !== undefined));
  return 0;
}

/** `queue stats` for a person: the states that have any, the open work, the oldest. */
function statsText(s: QueueOverview): string {
  const counts = (c: Readonly<Record<string, number>>): string => Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  return [
    `messages: ${counts(s.messages)}`,
    `segments: ${counts(s.segments)}`,
    `open: ${s.open}${s.oldestOpen ? ` (oldest accepted ${s.oldestOpen}, ${s.oldestOpenAgeSeconds ?? 0} s ago)` : ''}`,
    `next attempt: ${s.nextAttemptAt ?? 'none'}`,
    `oldest ended: ${s.oldestFinal ?? 'none'}`,
  ].join('\n') + '\n';
}

/** `queue show` for a person: one field a line, the notice and the storm facts in words, the parts, the text last. */
function showText(d: MessageDetail, smarthost: boolean): string {
  const skip = new Set(['parts', 'storm', 'notify', 'notice', 'text']);
  const fields = Object.entries(d).filter(([k]) => !skip.has(k)).map(([k, v]) => `${k}: ${String(v)}`);
  const asked = [d.notify.success ? 'success' : '', d.notify.failure ? 'failure' : ''].filter(Boolean).join(' and ') || 'none';
  const n = d.notice;
  const notice = n === null ? 'none' : n.state === 'none' && !smarthost ? 'none (no smarthost is configured, so no notice is made)'
    : `${n.state}${n.at ? ` at ${n.at}` : ''}${n.attempts > 0 ? `, ${n.attempts} attempt(s)` : ''}${n.lastError ? `, last error: ${n.lastError}` : ''}`;
  const parts = d.parts.map((p) => `  segment ${p.seq}: ${p.state} attempts=${p.attempts} ref=${p.messageRef ?? '-'} route=${p.route ?? '-'}${p.lastDiagnostic ? ` last="${p.lastDiagnostic}"` : ''}`);
  const text = d.encoding === 'binary' ? '(8-bit data)' : d.text;
  return [...fields, `notices asked: ${asked}`, `notice: ${notice}`, ...stormLines(d).map((l) => `storm: ${l}`), ...parts, 'text:', text].join('\n') + '\n';
}

/** What the alert-storm rules did with the message, in words (docs/alert-storms.md). */
export function stormLines(detail: MessageDetail): string[] {
  const { storm } = detail;
  const lines: string[] = [];
  if (storm.kind === 'summary') lines.push(`hourly summary made by the gateway for ${storm.carried} held message(s) to ${detail.to}`);
  else if (storm.carried > 0) lines.push(`carried ${storm.carried} identical message(s): sent once as (x${storm.carried + 1})`);
  if (storm.coalescedInto !== null) {
    lines.push(storm.coalesceReason === 'hourly-cap'
      ? `coalesced into ${storm.coalescedInto}: held by the hourly cap, counted in that summary`
      : `coalesced into ${storm.coalescedInto}: its text went out in that message (identical text within the coalesce window)`);
  }
  if (storm.heldReason !== null && storm.heldUntil !== null && detail.finalAt === null) {
    lines.push(storm.heldReason === 'hourly-cap'
      ? `held until ${storm.heldUntil}: the hourly cap of this number is reached; then counted in one summary SMS`
      : `held until ${storm.heldUntil}: an identical message went out less than the coalesce window ago; then sent once for all identical ones`);
  }
  if (storm.startedAt !== null) lines.push(`started ${storm.startedAt}`);
  return lines;
}
