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
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that drops everything, for pure-function callers and unit tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
