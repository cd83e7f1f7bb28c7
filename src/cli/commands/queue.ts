/*
 * queue.ts - `mail2sms queue list [--json] [--state S] [--limit N]` and `queue show ID [--json]`:
 * read the queue of the config's state dir (safe beside a running gateway: WAL readers).
 * `queue show` says what the alert-storm rules (SPEC 7) did: the message a coalesced one went
 * out in, until when a held one waits and why, and how many a carrier or a summary carried.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configPath, loadConfig } from '../../config/index.js';
import { GatewayError } from '../../errors.js';
import { silentLogger } from '../../log/index.js';
import { openQueue, STATES, type MessageDetail, type QueueState } from '../../queue/index.js';
import { intOption, parseCommandArgs, usageError } from '../args.js';

export const USAGE = 'mail2sms queue list [--json] [--state STATE] [--limit N] | queue show ID [--json]   [--config FILE]';

export async function queueCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('queue', argv, { json: { type: 'boolean' }, state: { type: 'string' }, limit: { type: 'string' } }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [sub, id, extra] = positionals;
  if (sub !== 'list' && sub !== 'show') throw usageError(`queue: unknown subcommand "${sub ?? ''}"\nusage: ${USAGE}`);
  if (values.state !== undefined && !(STATES as readonly string[]).includes(values.state)) {
    throw usageError(`queue: --state must be one of ${STATES.join(', ')}, not "${values.state}"`);
  }
  const config = loadConfig(configPath(values.config));
  const path = join(config.state_dir, 'mail2sms.db');
  // A read command never creates the state: no database yet means an empty queue.
  if (!existsSync(path)) {
    if (sub === 'show') throw new GatewayError('M2S_QUEUE_NOT_FOUND', `no message ${id ?? ''}: there is no queue at ${path} yet`);
    out.write(values.json ? '[]\n' : `the queue at ${path} is empty (the gateway has not run with this config yet)\n`);
    return 0;
  }
  const queue = openQueue({ path, logger: silentLogger() });
  try {
    if (sub === 'list') {
      if (id !== undefined) throw usageError(`queue list takes no argument ("${id}")`);
      const rows = queue.list({ limit: intOption('limit', values.limit, 1000), ...(values.state ? { state: values.state as QueueState } : {}) });
      if (values.json) out.write(`${JSON.stringify(rows)}\n`);
      else {
        out.write(`${'ID'.padEnd(20)} ${'STATE'.padEnd(9)} ${'TO'.padEnd(16)} SEG  ${'CREATED'.padEnd(24)} FROM\n`);
        for (const r of rows) out.write(`${r.id.padEnd(20)} ${r.state.padEnd(9)} ${r.to.padEnd(16)} ${String(r.segments).padEnd(4)} ${r.created.padEnd(24)} ${r.from || '<>'}\n`);
      }
      return 0;
    }
    if (id === undefined || extra !== undefined) throw usageError(`queue show takes one queue ID\nusage: ${USAGE}`);
    const shown = queue.show(id);
    // Without a smarthost no notice is ever made: an undecided one is `none`, not pending forever.
    const detail: MessageDetail = config.smarthost === undefined && shown.notice?.state === 'pending' ? { ...shown, notice: { ...shown.notice, state: 'none' } } : shown;
    if (values.json) out.write(`${JSON.stringify(detail)}\n`);
    else out.write(showText(detail, config.smarthost !== undefined));
    return 0;
  } finally {
    await queue.close();
  }
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
