/*
 * args.ts - argument parsing shared by every command: node:util parseArgs, strict, with
 * `--config FILE` (or MAIL2SMS_CONFIG) on every command and messages that name the bad value.
 * A usage problem is a GatewayError M2S_USAGE, which the CLI turns into exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GatewayError } from '../errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export function usageError(message: string): GatewayError {
  return new GatewayError('M2S_USAGE', message);
}

export function parseCommandArgs<O extends OptionSpec>(command: string, argv: readonly string[], options: O, usage: string) {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}\nusage: ${usage}`);
  }
}

/** A whole-number flag of at least `min`, or a usage error naming the flag and the value. */
export function intOption(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw usageError(`--${name} must be a whole number of at least ${min}, not "${value}"`);
  return Number(value);
}
