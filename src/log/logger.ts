/*
 * logger.ts - the pino root logger and its conventions.
 *
 * JSON lines to stdout (journald keeps them). Context travels in child loggers, never in
 * string building: `sid` (SMTP connection), `qid` (queue id), `seg` ("2/3"), `transport`
 * ("modem:ttyUSB2"). Every line that marks an event carries a stable `event` name listed in
 * docs/logging.md. Wire traffic (SMTP, AT, PDUs) and message text only at `debug`; secrets
 * (PIN, passwords, AUTH) are always redacted.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { AtError } from '../errors.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly level?: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

const REDACT_PATHS = [
  'pin',
  'password',
  'pass',
  'auth.pass',
  '*.pin',
  '*.password',
  '*.pass',
  'config.routes[*].pin',
  'config.smarthost.auth.pass',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['MAIL2SMS_LOG_LEVEL'] ?? 'info';
  const opts = {
    level,
    base: { svc: 'mail2sms' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    // One message per line (issue 12): a message that embeds a multi-line text (an error's
    // message, a client's words) has its line breaks folded into "; ".
    hooks: {
      logMethod(this: PinoLogger, args: Parameters<PinoLogger['info']>, method: PinoLogger['info']) {
        const folded = args.map((a: unknown) => (typeof a === 'string' ? foldLines(a) : a));
        return method.apply(this, folded as Parameters<PinoLogger['info']>);
      },
    },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** "a\n  b" → "a; b": a log message is one line. */
export function foldLines(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/\s*[\r\n]+\s*/g, '; ').replace(/^; |; $/g, '') : text;
}

/** A logger that drops everything, for pure-function callers and unit tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * What an expected failure (a modem unplugged, a smarthost away) logs instead of `err`: its text
 * and code, no stack. `err` with its stack is for what may be a bug (STYLE 5, issue 12).
 */
export function reasonOf(err: unknown): { readonly reason: string; readonly code?: string; readonly command?: string; readonly cms?: number; readonly cme?: number } {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  // An AT failure keeps the command and the modem's +CMS / +CME number.
  const at = err instanceof AtError ? { ...(err.command ? { command: err.command } : {}), ...(err.cms === undefined ? {} : { cms: err.cms }), ...(err.cme === undefined ? {} : { cme: err.cme }) } : {};
  return { reason, ...(typeof code === 'string' ? { code } : {}), ...at };
}

/** A state file or directory that had group or other permissions (event `state.mode`). */
export function logModeChange(logger: Logger, change: { readonly path: string; readonly was: string; readonly now: string; readonly error?: string }): void {
  if (change.error === undefined) {
    logger.warn({ event: 'state.mode', path: change.path, was: change.was, now: change.now, outcome: 'tightened' }, `${change.path} was mode ${change.was}; tightened to ${change.now} (it holds password hashes and the queue)`);
  } else {
    logger.warn({ event: 'state.mode', path: change.path, was: change.was, outcome: 'left', reason: change.error }, `${change.path} is mode ${change.was}, readable by others, and cannot be tightened: ${change.error}`);
  }
}
