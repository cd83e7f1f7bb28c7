/*
 * commands/index.ts - the subcommands of `mail2sms` and the help text (SPEC 11, 12).
 */
import { previewCommand } from './preview.js';
import { queueCommand } from './queue.js';
import { sendCommand } from './send.js';
import { simCommand } from './sim.js';
import { startCommand } from './start.js';

export type Command = (argv: readonly string[], out: NodeJS.WritableStream) => Promise<number>;

export const COMMANDS: Readonly<Record<string, Command>> = {
  start: startCommand,
  send: sendCommand,
  preview: previewCommand,
  queue: queueCommand,
  sim: simCommand,
};

export const HELP = `usage: mail2sms <command> [options]   (every command takes --config FILE or MAIL2SMS_CONFIG)

  start                              run the gateway (SMTP in, queue, modem/sim out)
  send --to NUMBER [--from EMAIL] TEXT
                                     queue one SMS through the running gateway
  preview FILE.eml [--to NUMBER] [--json]
                                     show the SMS a mail would make: text, encoding, segments, PDUs
  queue list [--json] [--state S]    list queued and sent messages
  queue show ID [--json]             one message and its segments
  sim [--pty] [--link PATH] [--latency-ms N] [--pin PIN]
                                     run the simulated modem on a pseudo-terminal (needs socat)

exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config
`;
