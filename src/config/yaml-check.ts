/*
 * yaml-check.ts - a YAML text checked against a zod schema, every problem named by its key path
 * and the line of the file a person should look at (the config and the provisioning file both).
 *
 * Promise: never throws for bad input; the caller turns the problems into its own error.
 * An unknown key is reported as "unknown key" at the key's own line, a missing one as "missing
 * key" at its parent's, a bad value at its key's with what was expected and what is there
 * (issue-text.ts). Each problem is one line. Nesting deeper than MAX_YAML_DEPTH and more than
 * MAX_YAML_ALIASES alias expansions (a "billion laughs" document) are YAML problems, found
 * before they can exhaust the stack or the memory.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { describeIssue } from './issue-text.js';
import { MAX_YAML_ALIASES, MAX_YAML_DEPTH, yamlDepth } from './yaml-bounds.js';

export type YamlCheck<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly stage: 'yaml' | 'schema'; readonly problems: readonly string[] };

export function checkYaml<S extends z.ZodType>(schema: S, text: string, source: string): YamlCheck<z.output<S>> {
  if (yamlDepth(text) > MAX_YAML_DEPTH) return { ok: false, stage: 'yaml', problems: [`nested deeper than ${MAX_YAML_DEPTH} levels`] };
  const lineCounter = new LineCounter();
  // logLevel error: yaml's warnings (a collection used as a key) would go to stderr as unstructured lines
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) return { ok: false, stage: 'yaml', problems: doc.errors.map((e) => `${e.message} at line ${lineCounter.linePos(e.pos[0]).line}`) };
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (err) {
    // yaml throws a ReferenceError past maxAliasCount ("Excessive alias count ...").
    const aliases = /alias/i.test((err as Error).message);
    return { ok: false, stage: 'yaml', problems: [aliases ? `aliases expand to more than ${MAX_YAML_ALIASES} copies (refused as a resource exhaustion attack)` : (err as Error).message] };
  }
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  const lineOf = (keyPath: readonly PropertyKey[]): number | undefined => {
    const offset = nodeAt(doc.contents as YamlNode | null, keyPath)?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const problems = result.error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    return keys.map((p) => {
      const line = lineOf(p) ?? lineOf(issue.path);
      const message = issue.code === 'unrecognized_keys' ? 'unknown key' : describeIssue(issue, input);
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
      // zod's path holds a numeric map key (`600:`) as a string
      const pair = items.find((it) => String((it.key as { value?: unknown } | null)?.value) === String(key));
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
