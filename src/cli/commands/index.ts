/*
 * commands/index.ts - the subcommands of `mail2sms` and the help text (SPEC 11, 12).
 *
 * USAGES is the one list of what each command does and its usage line, the same line the
 * command's own --help prints (its USAGE). `mail2sms --help` (HELP) and the man page
 * mail2sms(8) (scripts/build-man.mjs) are both made from it.
 */
import { accountCommand, USAGE as ACCOUNT } from './account.js';
import { backupCommand, BACKUP_USAGE, restoreCommand, RESTORE_USAGE } from './backup.js';
import { inboxCommand, USAGE as INBOX } from './inbox.js';
import { modemCommand, USAGE as MODEM } from './modem.js';
import { previewCommand, USAGE as PREVIEW } from './preview.js';
import { EXPORT_USAGE, exportCommand, IMPORT_USAGE, importCommand } from './provision.js';
import { queueCommand, USAGE as QUEUE } from './queue.js';
import { sendCommand, USAGE as SEND } from './send.js';
import { simCommand, USAGE as SIM } from './sim.js';
import { smppCommand, USAGE as SMPP } from './smpp.js';
import { startCommand, USAGE as START } from './start.js';
import { userCommand, USAGE as USER } from './user.js';

export type Command = (argv: readonly string[], out: NodeJS.WritableStream) => Promise<number>;

export const COMMANDS: Readonly<Record<string, Command>> = {
  start: startCommand,
  send: sendCommand,
  preview: previewCommand,
  queue: queueCommand,
  inbox: inboxCommand,
  sim: simCommand,
  modem: modemCommand,
  smpp: smppCommand,
  account: accountCommand,
  user: userCommand,
  import: importCommand,
  export: exportCommand,
  backup: backupCommand,
  restore: restoreCommand,
};

export interface CommandUsage {
  /** The command name (`queue`), or the option (`--version`). */
  readonly name: string;
  /** The command's usage, as its --help prints it. */
  readonly usage: string;
  /** What it does, one sentence. */
  readonly summary: string;
}

export const USAGES: readonly CommandUsage[] = [
  { name: 'start', usage: START, summary: 'run the gateway (SMTP in, queue, modem/SMPP/sim out) until SIGTERM or SIGINT' },
  { name: 'send', usage: SEND, summary: 'queue one SMS through the running gateway over SMTP; prints its reply' },
  { name: 'preview', usage: PREVIEW, summary: 'the SMS a mail would make with the account\'s settings: text, encoding, segments, PDUs' },
  { name: 'queue', usage: QUEUE, summary: 'the messages and one message with its segments, notice and text; counts by state; retry, cancel (through the running gateway) and purge' },
  { name: 'inbox', usage: INBOX, summary: 'SMS received and what became of each (received, mailed, held, failed)' },
  { name: 'account', usage: ACCOUNT, summary: 'the accounts: quota, closed user group, composition, allowed clients, alert storms, answers' },
  { name: 'user', usage: USER, summary: 'the senders; --password reads the SMTP AUTH password from stdin' },
  { name: 'export', usage: EXPORT_USAGE, summary: 'print every account and user as YAML (password hashes too)' },
  { name: 'import', usage: IMPORT_USAGE, summary: 'add or update the accounts and users of FILE, all or nothing; others stay' },
  { name: 'backup', usage: BACKUP_USAGE, summary: 'copy the queue, accounts, users and received SMS into FILE (one SQLite file); safe while the gateway runs' },
  { name: 'restore', usage: RESTORE_USAGE, summary: 'put a backup in place of the state (the old one is kept beside it); refused while the gateway runs' },
  { name: 'modem', usage: MODEM, summary: 'bench test of a modem: identity, SIM, registration, signal, SMSC, PDU mode; exit 0 when ready' },
  { name: 'smpp', usage: SMPP, summary: 'bench test of an SMSC account: bind, enquire_link, test submit_sm; exit 0 when ready' },
  { name: 'sim', usage: SIM, summary: 'the simulated modem on a pseudo-terminal (needs socat): a modem family, named faults, SMS from phones' },
  { name: '--version', usage: 'mail2sms --version', summary: 'print the version' },
];

export const EXIT_CODES = 'exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config';

/** A usage line cut at `width` columns between its words and before each `|` alternative; bracketed groups stay whole. */
export function wrapUsage(usage: string, width: number): string[] {
  const words = usage.match(/(?:\[[^\]]*\]|<[^>]*>|\S)+/g) ?? [];
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && (word === '|' || line.length + 1 + word.length > width)) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

export const HELP = `usage: mail2sms <command> [options]   (every command takes --config FILE or MAIL2SMS_CONFIG)

${USAGES.map((u) => `${wrapUsage(u.usage.replace(/^mail2sms /, ''), 94).map((l, i) => (i === 0 ? `  ${l}` : `      ${l}`)).join('\n')}\n          ${u.summary}\n`).join('')}
${EXIT_CODES}
`;
