/*
 * commands/index.ts - the subcommands of `mail2sms` and the help text (SPEC 11, 12).
 */
import { accountCommand } from './account.js';
import { backupCommand, restoreCommand } from './backup.js';
import { inboxCommand } from './inbox.js';
import { modemCommand } from './modem.js';
import { previewCommand } from './preview.js';
import { exportCommand, importCommand } from './provision.js';
import { queueCommand } from './queue.js';
import { sendCommand } from './send.js';
import { simCommand } from './sim.js';
import { smppCommand } from './smpp.js';
import { startCommand } from './start.js';
import { userCommand } from './user.js';

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

export const HELP = `usage: mail2sms <command> [options]   (every command takes --config FILE or MAIL2SMS_CONFIG)

  start                              run the gateway (SMTP in, queue, modem/sim out)
  send --to NUMBER [--from EMAIL] TEXT
                                     queue one SMS through the running gateway
  preview FILE.eml [--account NAME] [--to NUMBER] [--json]
                                     show the SMS a mail would make: text, encoding, segments, PDUs
  queue list [--json] [--state S]    list queued and sent messages
  queue show ID [--json]             one message and its segments
  queue stats [--json]               messages and segments by state, the oldest waiting
  queue retry ID                     send a failed, expired, unknown or cancelled message again now
                                     (through the running gateway)
  queue cancel ID                    stop a message: parts not sent yet are never sent
                                     (through the running gateway)
  queue purge --before DATE | --older-than DURATION
                                     delete messages that ended before then (DATE 2025-01-31,
                                     DURATION 30d); through the gateway when one runs
  inbox list [--json] [--state S]    SMS received and what became of each (received, mailed, held, failed)
  inbox show ID [--json]             one received SMS: text, sender, parts, where it was mailed
  account add|set NAME [--quota N|none] [--cug NUMBER,…] [--append TEXT] [--compose MODE]
          [--long concatenate|split] [--allow-ip CIDR,…] [--plan e164|jp-mobile]
          [--max-segments N] [--tps N] [--burst N] [--transliterate yes|no]
          [--condense auto|off] [--overflow truncate|refuse] [--coalesce DURATION|off]
          [--max-per-hour N|none] [--max-age DURATION|none] [--inbound EMAIL|none]
          [--reply-to-alert-sender yes|no] [--reply-window DURATION]
  account list [--json] | account remove NAME
                                     the accounts: quota, closed user group, composition, clients
  user add|set EMAIL [--account NAME] [--sender-id ID] [--dkim P|G|F] [--spf P|G|F]
          [--dmarc P|G|F] [--quota N|none] [--tps N|none] [--password | --no-password]
  user list [--account NAME] [--json] | user remove EMAIL
                                     the senders; --password reads the password from stdin
  export                             print every account and user as YAML (password hashes too)
  import FILE.yaml                   add or update the accounts and users of FILE; others stay
  backup FILE [--force]              copy the state (queue, accounts, users, received SMS) into
                                     FILE, one SQLite file; safe while the gateway runs
  restore FILE                       put a backup in place of the state (the old one is kept
                                     beside it); refused while the gateway runs
  modem probe PATH [--baud N] [--send NUMBER] [--json] [--timeout-ms N] [--report-timeout-ms N]
                                     bench test of a modem: baud, identity, SIM, registration,
                                     signal, SMSC, PDU mode, test SMS; exit 0 when ready to send
  smpp probe HOST:PORT --system-id ID [--password-file F] [--send NUMBER]
          [--mode transceiver|transmitter] [--system-type T] [--tls] [--json] [--timeout-ms N]
                                     bench test of an SMSC account: bind, enquire_link, test
                                     submit_sm; exit 0 when the SMSC takes them
  sim [--pty] [--link PATH] [--latency-ms N] [--pin PIN] [--profile NAME] [--fault NAME]
          [--store N] [--mo NUMBER TEXT]
                                     run the simulated modem on a pseudo-terminal (needs socat);
                                     --profile makes it act as that modem family (hardware/profiles);
                                     --mo has a phone send it TEXT from NUMBER after start
  --version                          print the version

exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config
`;
