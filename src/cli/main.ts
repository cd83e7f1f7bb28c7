#!/usr/bin/env -S node --max-semi-space-size=1 --max-old-space-size=256
/*
 * main.ts - the `mail2sms` command: picks the subcommand and turns what happened into an exit
 * code (SPEC 12): 0 ok, 1 runtime failure, 2 bad usage or bad config. Every error message names
 * the bad value and where it came from, one line per problem; a stack trace is printed only for
 * what is not a GatewayError (a bug). A command that fails ends the process, even when something
 * it started still holds the event loop: a gateway that could not start must not stay alive
 * without listening (issue 12). A reader that stops reading our stdout (`queue list | head -1`,
 * EPIPE) ends the process quietly with status 0: the reader had what it wanted.
 *
 * The first line gives V8 a 1 MB young generation and an explicit old-space limit: without them
 * the heap of a busy gateway grows to ~200 MB RSS before V8 collects (docs/benchmarks.md,
 * Memory). `npm start`, systemd/mail2sms.service and scripts/bench use the same flags (a unit test
 * keeps them equal).
 */
import { readFileSync } from 'node:fs';
import { ConfigInvalidError } from '../config/index.js';
import { isGatewayError } from '../errors.js';
import { COMMANDS, HELP } from './commands/index.js';

const USAGE_CODES = new Set(['M2S_USAGE', 'M2S_CONFIG_INVALID', 'M2S_CONFIG_UNREADABLE', 'M2S_TLS_UNREADABLE', 'M2S_ACCOUNT_INVALID', 'M2S_USER_INVALID', 'M2S_IMPORT_INVALID', 'M2S_BAD_PARAMS']);

export async function runCli(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    out.write(`mail2sms ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err.write(`mail2sms: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(rest, out);
  } catch (e) {
    if (isGatewayError(e)) {
      const problems = e instanceof ConfigInvalidError ? e.problems : [e.message];
      err.write(problems.map((p) => `${prefixed(name, p)}\n`).join(''));
      return USAGE_CODES.has(e.code) ? 2 : 1;
    }
    err.write(`mail2sms ${name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

/**
 * `mail2sms NAME: problem`; a problem that already names the command (`preview: …`,
 * `modem probe: …`, as the usage errors do) is not prefixed twice (issue 15).
 */
function prefixed(name: string, problem: string): string {
  return new RegExp(`^${name}( [a-z-]+)?: `).test(problem) ? `mail2sms ${problem}` : `mail2sms ${name}: ${problem}`;
}

/** The package's version, from the package.json beside dist/ (or src/) in a checkout and in the package. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mail2sms: ${String(e)}\n`);
    process.exit(1);
  },
);
