/*
 * inbox.ts - `mail2sms inbox list [--json] [--state S] [--limit N]` and `inbox show ID [--json]`
 * (SPEC 10, 12): the SMS this gateway received and what became of each (received: to be
 * mailed; mailed; held: no address or no smarthost; failed: the smarthost refused it). Reads
 * the config's state file (safe beside a running gateway: WAL readers) and never creates it.
 * What it shows is the control layer's (inbox.list, inbox.show), as the admin API gives it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configPath, loadConfig } from '../../config/index.js';
import { GatewayError } from '../../errors.js';
import { inboxList, inboxShow } from '../../control/index.js';
import { INBOUND_STATES, openInboundStore } from '../../inbound/index.js';
import { intOption, parseCommandArgs, usageError } from '../args.js';

export const USAGE = 'mail2sms inbox list [--json] [--state STATE] [--limit N] | inbox show ID [--json]   [--config FILE]';

export async function inboxCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('inbox', argv, { json: { type: 'boolean' }, state: { type: 'string' }, limit: { type: 'string' } }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [sub, id, extra] = positionals;
  if (sub !== 'list' && sub !== 'show') throw usageError(`inbox: unknown subcommand "${sub ?? ''}"\nusage: ${USAGE}`);
  if (values.state !== undefined && !(INBOUND_STATES as readonly string[]).includes(values.state)) {
    throw usageError(`inbox: --state must be one of ${INBOUND_STATES.join(', ')}, not "${values.state}"`);
  }
  if (sub === 'list' && id !== undefined) throw usageError(`inbox list takes no argument ("${id}")`);
  if (sub === 'show' && (id === undefined || extra !== undefined)) throw usageError(`inbox show takes one inbox ID\nusage: ${USAGE}`);
  const limit = intOption('limit', values.limit, 1000);
  const config = loadConfig(configPath(values.config));
  const path = join(config.state_dir, 'mail2sms.db');
  if (!existsSync(path)) {
    if (sub === 'show') throw new GatewayError('M2S_INBOX_NOT_FOUND', `no received SMS ${id ?? ''}: there is no state file at ${path} yet`);
    out.write(values.json ? '[]\n' : `no SMS received: there is no state file at ${path} yet (the gateway has not run with this config)\n`);
    return 0;
  }
  const store = openInboundStore({ path });
  try {
    // The control layer's inbox.list and inbox.show (the admin API's GET /api/inbox[/ID]).
    if (sub === 'list') {
      const rows = inboxList(store, { limit, ...(values.state ? { state: values.state } : {}) });
      if (values.json) out.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) out.write('no SMS received\n');
      else {
        out.write(`${'ID'.padEnd(17)} ${'STATE'.padEnd(8)} ${'FROM'.padEnd(16)} ${'RECEIVED'.padEnd(24)} TEXT\n`);
        for (const r of rows) out.write(`${r.id.padEnd(17)} ${r.state.padEnd(8)} ${r.from.padEnd(16)} ${r.received.padEnd(24)} ${excerpt(r.text)}\n`);
      }
      return 0;
    }
    const detail = inboxShow(store, { id: id as string });
    if (values.json) out.write(`${JSON.stringify(detail)}\n`);
    else out.write(`${Object.entries(detail).filter(([k, v]) => k !== 'text' && v !== null).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('\n')}\ntext:\n${detail.text}\n`);
    return 0;
  } finally {
    store.close();
  }
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
