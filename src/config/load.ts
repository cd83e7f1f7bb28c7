/*
 * load.ts - read the YAML config, validate it, and say exactly what is wrong.
 *
 * One message per bad key, each naming the key path and the file line (`config.yaml:7:
 * routes[0].baud: expected number`). A file that cannot be read or parsed is one error. With no
 * file at all the gateway runs on the embedded defaults (SPEC 12).
 */
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isAbsolute, resolve, dirname } from 'node:path';
import { GatewayError } from '../errors.js';
import type { z } from 'zod';
import { configSchema, EMBEDDED_DEFAULTS, type Config } from './schema.js';
import { checkYaml } from './yaml-check.js';

export class ConfigInvalidError extends GatewayError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('M2S_CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** The config file to use: --config, then MAIL2SMS_CONFIG, else none (embedded defaults). */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? (env['MAIL2SMS_CONFIG'] || undefined);
}

export function loadConfig(path: string | undefined): Config {
  if (path === undefined) return finish(configSchema.parse(EMBEDDED_DEFAULTS), 'embedded defaults', process.cwd());
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayError('M2S_CONFIG_UNREADABLE', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, path: string): Config {
  const checked = checkYaml(configSchema, text, path);
  if (!checked.ok && checked.stage === 'yaml') throw new GatewayError('M2S_CONFIG_UNREADABLE', `${path}: not valid YAML: ${checked.problems.join('; ')}`);
  if (!checked.ok) throw new ConfigInvalidError(checked.problems);
  return finish(checked.data, path, dirname(resolve(path)));
}

function finish(c: z.output<typeof configSchema>, source: string, baseDir: string): Config {
  const stateDir = isAbsolute(c.state_dir) ? c.state_dir : resolve(source === 'embedded defaults' ? process.cwd() : baseDir, c.state_dir);
  return { ...c, state_dir: stateDir, hostname: c.hostname ?? osHostname(), source };
}
