/*
 * user.ts - `mail2sms user add|set|list|remove` (SPEC 2, 12): the senders of the config's state
 * file. Judgments are PASS, GRAY, FAIL or P, G, F in any case; `none` clears an own quota, rate or
 * sender ID on `set`.
 *
 * A password is never taken from the command line (it would sit in shell history and `ps`):
 * `--password` reads it from stdin, the first line, without echo when stdin is a terminal;
 * `--no-password` removes it. Listings never show a hash, only whether there is a password.
 */
import { hashPassword, parseAccountName, parseCount, parseEmail, parseJudgment, parseRate, parseSenderId, type User, type UserPatch } from '../../accounts/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import { flag, formatTable, withAccountStore } from './account.js';

const FLAGS = '[--sender-id ID|none] [--dkim P|G|F] [--spf P|G|F] [--dmarc P|G|F] [--quota N|none] [--tps N|none] [--password | --no-password]';
export const USAGE = `mail2sms user add EMAIL --account NAME ${FLAGS} | user set EMAIL [--account NAME] <same flags> | user list [--account NAME] [--json] | user remove EMAIL   [--config FILE]`;

const OPTIONS = {
  account: { type: 'string' },
  'sender-id': { type: 'string' },
  dkim: { type: 'string' },
  spf: { type: 'string' },
  dmarc: { type: 'string' },
  quota: { type: 'string' },
  tps: { type: 'string' },
  password: { type: 'boolean' },
  'no-password': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = { readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

export async function userCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('user', argv, OPTIONS, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [sub, email, extra] = positionals;
  if (extra !== undefined) throw usageError(`user ${sub ?? ''}: unexpected argument "${extra}"\nusage: ${USAGE}`);
  if (sub === 'list') {
    if (email !== undefined) throw usageError(`user list takes no argument ("${email}")`);
    const account = values.account === undefined ? undefined : flag('--account', parseAccountName(values.account));
    await withAccountStore(values.config, 'read', (store) => printUsers(store.listUsers(account === undefined ? {} : { account }), values.json === true, out));
    return 0;
  }
  if (sub !== 'add' && sub !== 'set' && sub !== 'remove') throw usageError(`user: unknown subcommand "${sub ?? ''}"\nusage: ${USAGE}`);
  if (email === undefined) throw usageError(`user ${sub} needs the user's EMAIL address\nusage: ${USAGE}`);
  const address = flag('user', parseEmail(email));
  if (sub === 'remove') {
    await withAccountStore(values.config, 'write', (store) => store.removeUser(address));
    out.write(`user ${address} removed\n`);
    return 0;
  }
  if (values.password && values['no-password']) throw usageError('user: give --password or --no-password, not both');
  if (sub === 'add' && values['no-password']) throw usageError('user add: --no-password is for user set (a new user has no password unless --password is given)');
  if (sub === 'add' && values.account === undefined) throw usageError(`user add needs --account NAME\nusage: ${USAGE}`);
  const patch = userPatch(values);
  const passwordHash = values.password ? await hashPassword(await readPassword()) : undefined;
  const user = await withAccountStore(values.config, 'write', (store) => {
    if (sub === 'set') return store.setUser(address, { ...patch, ...(passwordHash !== undefined ? { passwordHash } : {}) });
    const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    return store.addUser({ ...clean, email: address, account: patch.account ?? '', ...(passwordHash !== undefined ? { passwordHash } : {}) });
  });
  out.write(`user ${user.email} ${sub === 'add' ? 'added' : 'updated'} (account ${user.account})\n`);
  return 0;
}

function userPatch(v: Values): UserPatch {
  const patch: { -readonly [K in keyof UserPatch]: UserPatch[K] } = {};
  if (v.account !== undefined) patch.account = flag('--account', parseAccountName(v.account));
  if (v['sender-id'] !== undefined) patch.senderId = v['sender-id'] === 'none' ? null : flag('--sender-id', parseSenderId(v['sender-id']));
  if (v.dkim !== undefined) patch.dkim = flag('--dkim', parseJudgment(v.dkim));
  if (v.spf !== undefined) patch.spf = flag('--spf', parseJudgment(v.spf));
  if (v.dmarc !== undefined) patch.dmarc = flag('--dmarc', parseJudgment(v.dmarc));
  if (v.quota !== undefined) patch.quota = v.quota === 'none' ? null : flag('--quota', parseCount(v.quota, 0));
  if (v.tps !== undefined) patch.tps = v.tps === 'none' ? null : flag('--tps', parseRate(v.tps));
  if (v['no-password']) patch.passwordHash = null;
  return patch;
}

/** A user as --json shows it: every field but the hash, and whether there is a password. */
export function publicUser(u: User): Record<string, unknown> {
  const { passwordHash, ...rest } = u;
  return { ...rest, password: passwordHash !== undefined };
}

function printUsers(users: readonly User[], json: boolean, out: NodeJS.WritableStream): void {
  if (json) return void out.write(`${JSON.stringify(users.map(publicUser))}\n`);
  const row = (u: User): string[] => [
    u.email, u.account, u.senderId ?? '-', u.dkim, u.spf, u.dmarc, u.quota === undefined ? '-' : String(u.quota), u.tps === undefined ? '-' : String(u.tps), u.passwordHash ? 'yes' : 'no',
  ];
  out.write(formatTable(['EMAIL', 'ACCOUNT', 'SENDER-ID', 'DKIM', 'SPF', 'DMARC', 'QUOTA', 'TPS', 'PASSWORD'], users.map(row)));
}

/** The first line of stdin; on a terminal, prompted on stderr and typed without echo. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  const line = stdin.isTTY ? await readHidden(stdin) : await readFirstLine(stdin);
  if (line === '') throw usageError('user: --password read an empty password from stdin');
  return line;
}

function readFirstLine(stream: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (): void => {
      stream.off('data', onData).off('end', done).off('error', reject);
      stream.pause();
      resolve((text.split(/\r?\n/)[0] ?? '').replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      if (text.includes('\n')) done();
    };
    stream.on('data', onData).on('end', done).on('error', reject);
  });
}

function readHidden(stream: NodeJS.ReadStream): Promise<string> {
  process.stderr.write('password: ');
  stream.setRawMode(true);
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (result: string | Error): void => {
      stream.off('data', onData);
      stream.setRawMode(false);
      stream.pause();
      process.stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(text);
        if (ch === '\u0003') return finish(usageError('user: password entry interrupted'));
        text = ch === '\u007f' || ch === '\b' ? [...text].slice(0, -1).join('') : text + ch;
      }
    };
    stream.on('data', onData);
    stream.resume();
  });
}
