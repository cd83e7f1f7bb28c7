/*
 * account.ts - `mail2sms account add|set|list|remove` (SPEC 2, 12) on the accounts of the config's
 * state file (`<state_dir>/mail2sms.db`; safe beside a running gateway).
 *
 * Every flag value is checked by the accounts rules before the store is opened; a bad one exits 2
 * with a message naming the flag and the value. `list` on a box whose state file does not exist
 * yet shows what a new file would hold (the seeded `default` account) without creating it.
 * Also the helpers user.ts and provision.ts share: opening the store, aligned tables.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStateDir } from '../../state/index.js';
import {
  COMPOSE_MODES,
  CONDENSE_MODES,
  formatDuration,
  LONG_MODES,
  NUMBERING_PLANS,
  OVERFLOW_MODES,
  openAccountStore,
  parseAccountName,
  parseAllowIp,
  parseChoice,
  parseCount,
  parseCugNumber,
  parseDuration,
  parseEmail,
  parseRate,
  parseYesNo,
  type Account,
  type AccountPatch,
  type AccountStore,
  type Parsed,
} from '../../accounts/index.js';
import { configPath, loadConfig } from '../../config/index.js';
import { parseCommandArgs, usageError } from '../args.js';

const FLAGS = '[--quota N|none] [--cug NUMBER,…] [--append TEXT] [--compose subject+body|body|subject] [--long concatenate|split] [--allow-ip CIDR,…] [--plan e164|jp-mobile] [--max-segments N] [--tps N] [--burst N] [--transliterate yes|no] [--condense auto|off] [--overflow truncate|refuse] [--coalesce DURATION|off] [--max-per-hour N|none] [--max-age DURATION|none] [--inbound EMAIL|none] [--reply-to-alert-sender yes|no] [--reply-window DURATION]';
export const USAGE = `mail2sms account add NAME ${FLAGS} | account set NAME <same flags> | account list [--json] | account remove NAME   [--config FILE]`;

const OPTIONS = {
  quota: { type: 'string' },
  cug: { type: 'string' },
  append: { type: 'string' },
  compose: { type: 'string' },
  long: { type: 'string' },
  'allow-ip': { type: 'string' },
  plan: { type: 'string' },
  'max-segments': { type: 'string' },
  tps: { type: 'string' },
  burst: { type: 'string' },
  transliterate: { type: 'string' },
  condense: { type: 'string' },
  overflow: { type: 'string' },
  coalesce: { type: 'string' },
  'max-per-hour': { type: 'string' },
  'max-age': { type: 'string' },
  inbound: { type: 'string' },
  'reply-to-alert-sender': { type: 'string' },
  'reply-window': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function accountCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('account', argv, OPTIONS, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [sub, name, extra] = positionals;
  if (extra !== undefined) throw usageError(`account ${sub ?? ''}: unexpected argument "${extra}"\nusage: ${USAGE}`);
  if (sub === 'list') {
    if (name !== undefined) throw usageError(`account list takes no argument ("${name}")`);
    return withAccountStore(values.config, 'read', (store) => void printAccounts(store, values.json === true, out)).then(() => 0);
  }
  if (sub !== 'add' && sub !== 'set' && sub !== 'remove') throw usageError(`account: unknown subcommand "${sub ?? ''}"\nusage: ${USAGE}`);
  if (name === undefined) throw usageError(`account ${sub} needs the account NAME\nusage: ${USAGE}`);
  const checkedName = flag('account name', parseAccountName(name));
  const patch = accountPatch(values);
  if (sub === 'remove') {
    if (Object.keys(patch).length > 0) throw usageError(`account remove takes no flags but --config\nusage: ${USAGE}`);
    await withAccountStore(values.config, 'write', (store) => store.removeAccount(checkedName));
    out.write(`account ${checkedName} removed\n`);
    return 0;
  }
  const account = await withAccountStore(values.config, 'write', (store) =>
    sub === 'add' ? store.addAccount({ ...patch, name: checkedName }) : store.setAccount(checkedName, patch),
  );
  out.write(`account ${account.name} ${sub === 'add' ? 'added' : 'updated'}\n`);
  return 0;
}

type Values = { readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

function accountPatch(v: Values): AccountPatch {
  const list = (text: string): string[] => (text.trim() === 'none' ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  const patch: { -readonly [K in keyof AccountPatch]: AccountPatch[K] } = {};
  if (v.quota !== undefined) patch.quota = v.quota === 'none' ? null : flag('--quota', parseCount(v.quota, 0));
  if (v.cug !== undefined) patch.cug = list(v.cug).map((n) => flag('--cug', parseCugNumber(n)));
  if (v.append !== undefined) patch.append = v.append;
  if (v.compose !== undefined) patch.compose = flag('--compose', parseChoice(v.compose, COMPOSE_MODES));
  if (v.long !== undefined) patch.long = flag('--long', parseChoice(v.long, LONG_MODES));
  if (v['allow-ip'] !== undefined) patch.allowIps = list(v['allow-ip']).map((c) => flag('--allow-ip', parseAllowIp(c)));
  if (v.plan !== undefined) patch.plan = flag('--plan', parseChoice(v.plan, NUMBERING_PLANS));
  if (v['max-segments'] !== undefined) {
    const n = flag('--max-segments', parseCount(v['max-segments'], 1));
    if (n > 255) throw usageError(`--max-segments "${n}" is more than 255, the most parts a concatenated SMS can have`);
    patch.maxSegments = n;
  }
  if (v.tps !== undefined) patch.tps = flag('--tps', parseRate(v.tps));
  if (v.burst !== undefined) patch.burst = flag('--burst', parseCount(v.burst, 1));
  if (v.transliterate !== undefined) patch.transliterate = flag('--transliterate', parseYesNo(v.transliterate));
  if (v.condense !== undefined) patch.condense = flag('--condense', parseChoice(v.condense, CONDENSE_MODES));
  if (v.overflow !== undefined) patch.overflow = flag('--overflow', parseChoice(v.overflow, OVERFLOW_MODES));
  if (v.coalesce !== undefined) patch.coalesceMs = v.coalesce === 'off' ? null : flag('--coalesce', parseDuration(v.coalesce));
  if (v['max-per-hour'] !== undefined) patch.maxPerHour = v['max-per-hour'] === 'none' ? null : flag('--max-per-hour', parseCount(v['max-per-hour'], 1));
  if (v['max-age'] !== undefined) patch.maxAgeMs = v['max-age'] === 'none' ? null : flag('--max-age', parseDuration(v['max-age']));
  if (v.inbound !== undefined) patch.inbound = v.inbound === 'none' ? null : flag('--inbound', parseEmail(v.inbound));
  if (v['reply-to-alert-sender'] !== undefined) patch.replyToAlertSender = flag('--reply-to-alert-sender', parseYesNo(v['reply-to-alert-sender']));
  if (v['reply-window'] !== undefined) patch.replyWindowMs = flag('--reply-window', parseDuration(v['reply-window']));
  return patch;
}

/** The value, or a usage error (exit 2) naming the flag and the value. */
export function flag<T>(name: string, parsed: Parsed<T>): T {
  if (!parsed.ok) throw usageError(`${name} ${parsed.message}`);
  return parsed.value;
}

function printAccounts(store: AccountStore, json: boolean, out: NodeJS.WritableStream): void {
  const accounts = store.listAccounts();
  if (json) return void out.write(`${JSON.stringify(accounts)}\n`);
  const users = new Map<string, number>();
  for (const u of store.listUsers()) users.set(u.account, (users.get(u.account) ?? 0) + 1);
  const row = (a: Account): string[] => [
    a.name, String(users.get(a.name) ?? 0), a.quota === null ? '-' : String(a.quota), String(a.tps), String(a.burst), a.compose, a.long, a.plan,
    String(a.maxSegments), a.transliterate ? 'yes' : 'no', a.condense, a.overflow, a.coalesceMs === null ? 'off' : formatDuration(a.coalesceMs),
    a.maxPerHour === null ? '-' : String(a.maxPerHour), a.maxAgeMs === null ? '-' : formatDuration(a.maxAgeMs),
    a.inbound ?? '-', a.replyToAlertSender ? 'yes' : 'no', formatDuration(a.replyWindowMs), a.cug.length === 0 ? '-' : a.cug.join(','), a.allowIps.join(',') || '-',
    a.append === '' ? '-' : JSON.stringify(a.append),
  ];
  out.write(formatTable(['NAME', 'USERS', 'QUOTA', 'TPS', 'BURST', 'COMPOSE', 'LONG', 'PLAN', 'MAXSEG', 'TRANSLIT', 'CONDENSE', 'OVERFLOW', 'COALESCE', 'PER-HOUR', 'MAX-AGE', 'INBOUND', 'REPLY-TO-SENDER', 'REPLY-WINDOW', 'CUG', 'ALLOW-IPS', 'APPEND'], accounts.map(row)));
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

/**
 * Runs `work` on the store of the config's state file. 'read' on a state file that does not
 * exist yet uses an in-memory store holding only the seed (what a new file would hold), so a
 * read never creates state; 'write' creates the state dir and file as the gateway would.
 */
export async function withAccountStore<T>(configFlag: string | undefined, mode: 'read' | 'write', work: (store: AccountStore) => T | Promise<T>): Promise<T> {
  const config = loadConfig(configPath(configFlag));
  const path = join(config.state_dir, 'mail2sms.db');
  const fresh = mode === 'read' && !existsSync(path);
  if (!fresh) ensureStateDir(config.state_dir);
  const store = openAccountStore({ path: fresh ? ':memory:' : path });
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
