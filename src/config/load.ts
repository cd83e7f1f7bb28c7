/*
 * load.ts - read the YAML config, validate it, and say exactly what is wrong.
 *
 * One message per bad key, each naming the key path and the file line (`config.yaml:7:
 * routes[0].baud: expected a number, got "fast"`). A file that cannot be read or parsed is one
 * error, on one line. With no file at all the gateway runs on the embedded defaults (SPEC 12).
 *
 * A config file is a few kilobytes: one larger than MAX_CONFIG_BYTES is refused before it is
 * parsed (a 12 MB file kept `start` busy for minutes, issue 12), and at most that much is read
 * from a file that is not a regular file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isAbsolute, resolve, dirname } from 'node:path';
import { describeFsError, GatewayError } from '../errors.js';
import type { z } from 'zod';
import { configSchema, EMBEDDED_DEFAULTS, type Config } from './schema.js';
import { checkYaml } from './yaml-check.js';

export const MAX_CONFIG_BYTES = 1 << 20;

/** Several bad keys; `problems` has one line each (the CLI prints them so), the message is one line. */
export class ConfigInvalidError extends GatewayError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('M2S_CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The config file to use: --config, then MAIL2SMS_CONFIG, else none (embedded defaults). */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? (env['MAIL2SMS_CONFIG'] || undefined);
}

export function loadConfig(path: string | undefined): Config {
  if (path === undefined) return finish(configSchema.parse(EMBEDDED_DEFAULTS), 'embedded defaults', process.cwd());
  return parseConfigText(readConfigFile(path), path);
}

/** The config file's text, at most MAX_CONFIG_BYTES; M2S_CONFIG_UNREADABLE naming the path and why. */
function readConfigFile(path: string): string {
  return readBoundedText(path, MAX_CONFIG_BYTES, 'config file', 'M2S_CONFIG_UNREADABLE');
}

/**
 * A file's text, refused when larger than `limit` bytes (stat first, then at most limit + 1 bytes
 * read, for a file that is not a regular one). One GatewayError with `code` naming `what`, the path
 * and why; `messagePrefix` leads the message (the import says "nothing imported: ").
 */
export function readBoundedText(path: string, limit: number, what: string, code: 'M2S_CONFIG_UNREADABLE' | 'M2S_IMPORT_INVALID', messagePrefix = ''): string {
  const fail = (why: string, cause?: unknown): GatewayError =>
    new GatewayError(code, `${messagePrefix}cannot read ${what} ${path}: ${why}`, cause === undefined ? undefined : { cause });
  const tooBig = (size: string): GatewayError =>
    new GatewayError(code, `${messagePrefix}${what} ${path} is ${size}; ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} may be at most ${limit / (1 << 20)} MB`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fail(describeFsError(err), err);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > limit) throw tooBig(`${(size / (1 << 20)).toFixed(1)} MB`);
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > limit) throw tooBig('larger than that');
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw fail(describeFsError(err), err);
  } finally {
    closeSync(fd);
  }
}

export function parseConfigText(text: string, path: string): Config {
  const checked = checkYaml(configSchema, text, path);
  if (!checked.ok && checked.stage === 'yaml') {
    const [first, ...more] = checked.problems;
    throw new GatewayError('M2S_CONFIG_UNREADABLE', `${path}: not valid YAML: ${first ?? 'unreadable'}${more.length > 0 ? ` (and ${more.length} more problem${more.length === 1 ? '' : 's'})` : ''}`);
  }
  if (!checked.ok) throw new ConfigInvalidError(checked.problems);
  return finish(checked.data, path, dirname(resolve(path)));
}

function finish(c: z.output<typeof configSchema>, source: string, baseDir: string): Config {
  const stateDir = isAbsolute(c.state_dir) ? c.state_dir : resolve(source === 'embedded defaults' ? process.cwd() : baseDir, c.state_dir);
  return { ...c, state_dir: stateDir, hostname: c.hostname ?? osHostname(), source };
}
