/*
 * The example config, config/mail2sms.yaml.example (the package's /etc/mail2sms/config.yaml),
 * is kept equal to the schema (issue 15): every key of src/config/schema.ts is in it, commented
 * out, with a comment saying what it does and its default; the value shown for a key with a
 * default is that default; uncommented whole it is a valid config; as shipped it runs on the
 * embedded defaults, with the state in /var/lib/mail2sms.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { configSchema, EMBEDDED_DEFAULTS, parseConfigText } from '../../../src/config/index.js';

const FILE = join(import.meta.dirname, '../../../config/mail2sms.yaml.example');
const text = readFileSync(FILE, 'utf8');
/** A commented-out key line is `#key:` or `#  key:` (a `#` then a key or an indent); prose lines are `# text`. */
const uncommented = text.replace(/^#(?=[^ #\n]| {2})/gm, '');
const KEY_LINE = /^\s*(?:- )?[\w.]+:/;

/** Keys whose example value is not the default on purpose, and why. */
const SHOWN_NOT_DEFAULT: Readonly<Record<string, string>> = {
  state_dir: 'an installed box keeps its state in /var/lib/mail2sms',
  routes: 'one route of each transport is shown',
};

type Schema = z.ZodType;
const def = (s: Schema) => s._zod.def as unknown as Record<string, unknown> & { type: string };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Finding {
  readonly missing: string[];
  readonly notDefault: string[];
}

/**
 * Walks the schema, the example's YAML (`raw`) and its parsed value (`out`) together: a key of the
 * schema the example lacks goes to `missing`; a value shown for a key with a default (its own or
 * the one its parent's default gives it) that is not that default goes to `notDefault`.
 */
function walk(schema: Schema, raw: unknown, out: unknown, path: string, inherited: unknown, found: Finding): void {
  let s = schema;
  let dflt = inherited;
  for (;;) {
    const d = def(s);
    if (d.type === 'default') {
      const v = d['defaultValue'];
      dflt = typeof v === 'function' ? (v as () => unknown)() : v;
      s = d['innerType'] as Schema;
    } else if (d.type === 'optional' || d.type === 'nullable') s = d['innerType'] as Schema;
    else if (d.type === 'pipe') s = d['in'] as Schema;
    else break;
  }
  const d = def(s);
  if (d.type === 'object') {
    const shape = d['shape'] as Record<string, Schema>;
    for (const [key, child] of Object.entries(shape)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (!isObject(raw) || !(key in raw)) found.missing.push(at);
      else walk(child, raw[key], isObject(out) ? out[key] : undefined, at, isObject(dflt) ? dflt[key] : undefined, found);
    }
    return;
  }
  if (d.type === 'array' && def(d['element'] as Schema).type === 'union' && def(d['element'] as Schema)['discriminator'] !== undefined) {
    const union = def(d['element'] as Schema);
    const by = union['discriminator'] as string;
    for (const option of union['options'] as Schema[]) {
      const value = (def((def(option)['shape'] as Record<string, Schema>)[by]!)['values'] as unknown[])[0];
      const at = `${path}[${by}: ${String(value)}]`;
      const index = Array.isArray(raw) ? raw.findIndex((r) => isObject(r) && r[by] === value) : -1;
      if (index < 0) found.missing.push(at);
      else walk(option, (raw as unknown[])[index], Array.isArray(out) ? out[index] : undefined, at, undefined, found);
    }
    if (!(path in SHOWN_NOT_DEFAULT) && dflt !== undefined) found.notDefault.push(path);
    return;
  }
  if (d.type === 'union') {
    for (const option of d['options'] as Schema[]) if (def(option).type === 'object' && isObject(raw)) walk(option, raw, out, path, dflt, found);
    if (!isObject(raw)) compare();
    return;
  }
  compare();

  function compare(): void {
    if (dflt === undefined || path in SHOWN_NOT_DEFAULT) return;
    if (JSON.stringify(out) !== JSON.stringify(dflt)) found.notDefault.push(`${path}: shows ${JSON.stringify(out)}, default ${JSON.stringify(dflt)}`);
  }
}

describe('config/mail2sms.yaml.example, the example config and the package conffile (issue 15)', () => {
  it('is a valid config when every key is uncommented', () => {
    expect(() => parseConfigText(uncommented, 'mail2sms.yaml.example')).not.toThrow();
  });

  it('has every key of the schema, with its default as the value shown', () => {
    const found: Finding = { missing: [], notDefault: [] };
    walk(configSchema, parse(uncommented), configSchema.parse(parse(uncommented)), '', undefined, found);
    expect(found).toEqual({ missing: [], notDefault: [] });
  });

  it('would see a key missing from it and a value that is not the default', () => {
    const found: Finding = { missing: [], notDefault: [] };
    const lacking = uncommented.replace(/^ {4}receipt_id:.*\n/m, '').replace(/^ {2}idle_timeout: 60s/m, '  idle_timeout: 61s');
    walk(configSchema, parse(lacking), configSchema.parse(parse(lacking)), '', undefined, found);
    expect(found).toEqual({ missing: ['routes[transport: smpp].receipt_id'], notDefault: ['smtp.idle_timeout: shows 61000, default 60000'] });
  });

  it('says on every key line what the key does and its default (or that it is required)', () => {
    const keyLines = uncommented.split('\n').filter((line) => KEY_LINE.test(line));
    expect(keyLines.length).toBeGreaterThan(60);
    expect(keyLines.filter((line) => !/\s#\s.*\b(default|required)\b/.test(line))).toEqual([]);
  });

  it('as shipped, runs on the embedded defaults with the state in /var/lib/mail2sms', () => {
    const shipped = parseConfigText(text, '/etc/mail2sms/config.yaml');
    const embedded = configSchema.parse(EMBEDDED_DEFAULTS);
    expect(shipped.state_dir).toBe('/var/lib/mail2sms');
    expect({ ...shipped, state_dir: embedded.state_dir, hostname: undefined, source: undefined }).toEqual({ ...embedded, hostname: undefined, source: undefined });
  });
});
