/*
 * yaml-check.ts - a YAML text checked against a zod schema, every problem named by its key path
 * and the line of the file a person should look at (the config and the provisioning file both).
 *
 * Promise: never throws for bad input; the caller turns the problems into its own error.
 * An unknown key is reported as "unknown key" at the key's own line, a bad value at its key's.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

export type YamlCheck<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly stage: 'yaml' | 'schema'; readonly problems: readonly string[] };

export function checkYaml<S extends z.ZodType>(schema: S, text: string, source: string): YamlCheck<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) return { ok: false, stage: 'yaml', problems: doc.errors.map((e) => e.message) };
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return { ok: true, data: result.data };
  const lineOf = (keyPath: readonly PropertyKey[]): number | undefined => {
    const offset = nodeAt(doc.contents as YamlNode | null, keyPath)?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const problems = result.error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    return keys.map((p) => {
      const line = lineOf(p) ?? lineOf(issue.path);
      const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
      return `${line === undefined ? source : `${source}:${line}`}: ${formatPath(p) || '(top level)'}: ${message}`;
    });
  });
  return { ok: false, stage: 'schema', problems };
}

function formatPath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

/** The YAML node of a key path (the key itself for the last map key: where a person looks). */
function nodeAt(node: YamlNode | null, keyPath: readonly PropertyKey[]): YamlNode | undefined {
  let current: YamlNode | null | undefined = node;
  for (const [i, key] of keyPath.entries()) {
    if (isMap(current)) {
      const items: ReadonlyArray<{ key: unknown; value: unknown }> = current.items;
      const pair = items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      if (!pair) return current;
      if (i === keyPath.length - 1) return pair.key as YamlNode;
      current = pair.value as YamlNode | null;
    } else if (isSeq(current) && typeof key === 'number') {
      current = current.items[key] as YamlNode | undefined;
    } else {
      return current ?? undefined;
    }
  }
  return current ?? undefined;
}
