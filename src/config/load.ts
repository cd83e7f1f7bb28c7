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
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import { GatewayError } from '../errors.js';
import { configSchema, EMBEDDED_DEFAULTS, type Config } from './schema.js';

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
  if (path === undefined) return validate(EMBEDDED_DEFAULTS, 'embedded defaults', () => undefined, process.cwd());
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayError('M2S_CONFIG_UNREADABLE', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, path: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new GatewayError('M2S_CONFIG_UNREADABLE', `${path}: not valid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  }
  const lineOf = (keyPath: readonly PropertyKey[]): number | undefined => {
    const node = nodeAt(doc.contents as YamlNode | null, keyPath);
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return validate(doc.toJS() ?? {}, path, lineOf, dirname(resolve(path)));
}

function validate(raw: unknown, source: string, lineOf: (p: readonly PropertyKey[]) => number | undefined, baseDir: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      return keys.map((p) => {
        const line = lineOf(p) ?? lineOf(issue.path);
        const where = line === undefined ? source : `${source}:${line}`;
        const key = formatPath(p) || '(top level)';
        const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
        return `${where}: ${key}: ${message}`;
      });
    });
    throw new ConfigInvalidError(problems);
  }
  const c = result.data;
  const stateDir = isAbsolute(c.state_dir) ? c.state_dir : resolve(source === 'embedded defaults' ? process.cwd() : baseDir, c.state_dir);
  return { ...c, state_dir: stateDir, hostname: c.hostname ?? osHostname(), source };
}

function formatPath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

function nodeAt(node: YamlNode | null, keyPath: readonly PropertyKey[]): YamlNode | undefined {
  let current: YamlNode | null | undefined = node;
  for (const key of keyPath) {
    if (isMap(current)) {
      const items: ReadonlyArray<{ key: unknown; value: unknown }> = current.items;
      const pair = items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      if (!pair) return current;
      // The line of the key is where a person looks for the problem.
      if (key === keyPath[keyPath.length - 1]) return pair.key as YamlNode;
      current = pair.value as YamlNode | null;
    } else if (isSeq(current) && typeof key === 'number') {
      current = current.items[key] as YamlNode | undefined;
    } else {
      return current ?? undefined;
    }
  }
  return current ?? undefined;
}
