/*
 * issue-text.ts - a zod issue said the way a person fixing a YAML file needs it (issue 12).
 *
 * Promise: pure; one line per issue, naming what was expected and what the file holds
 * (`missing key`, `expected a number, got "abc"`, `expected one of dns, records, got "foo"`),
 * never zod's own "Invalid input". A message written by the schema itself (a custom check or a
 * regex with its own text) is kept as written.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** What the document holds at `path`; `found: false` when the key is absent. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): { readonly found: boolean; readonly value: unknown } {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return { found: false, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: current !== undefined, value: current };
}

/** The text of one issue; `input` is the whole document, so the value at the issue's path can be shown. */
export function describeIssue(issue: Issue, input: unknown): string {
  const at = valueAt(input, issue.path);
  if (!at.found && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) return 'missing key';
  const got = `got ${showValue(at.value)}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typeWord(issue.expected)}, ${got}`;
    case 'invalid_union':
      return describeUnion(issue, at.value, got);
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}, ${got}`;
    case 'too_small':
      return `${boundText(issue.origin, 'at least', issue.minimum, issue.inclusive)}, ${got}`;
    case 'too_big':
      return `${boundText(issue.origin, 'at most', issue.maximum, issue.inclusive)}, ${got}`;
    case 'invalid_format':
      return isZodDefault(issue.message) ? `expected ${formatWord(issue.format)}, ${got}` : `${issue.message}, ${got}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, ${got}`;
    default:
      return issue.message;
  }
}

/** A union: the branch that got furthest speaks (a right type with a wrong value), else the types it takes. */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, value: unknown, got: string): string {
  const options = (issue as { options?: readonly unknown[] }).options;
  if (options !== undefined) return `expected one of ${options.map(String).join(', ')}, ${got}`;
  const branches = issue.errors;
  for (const branch of branches) {
    const deeper = branch.find((i) => i.code !== 'invalid_type' || i.path.length > 0);
    if (deeper) return `${deeper.path.length > 0 ? `in ${formatIssuePath(deeper.path)}: ` : ''}${describeIssue(deeper, value)}`;
  }
  const expected = [...new Set(branches.flatMap((b) => b.flatMap((i) => (i.code === 'invalid_type' ? [typeWord(i.expected)] : []))))];
  return expected.length > 0 ? `expected ${expected.join(' or ')}, ${got}` : issue.message;
}

function formatIssuePath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

function boundText(origin: string, side: 'at least' | 'at most', bound: unknown, inclusive: boolean | undefined): string {
  const n = Number(bound);
  if (origin === 'string') return side === 'at least' && n === 1 ? 'must not be empty' : `must be ${side} ${n} characters long`;
  if (origin === 'array' || origin === 'set') return `needs ${side} ${n} item${n === 1 ? '' : 's'}`;
  if (inclusive === false) return `must be ${side === 'at least' ? 'more' : 'less'} than ${n}`;
  return `must be ${side} ${n}`;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a map of keys',
  record: 'a map of keys',
  map: 'a map of keys',
  null: 'nothing',
};

function typeWord(expected: string): string {
  return TYPE_WORDS[expected] ?? expected;
}

function formatWord(format: string): string {
  return format === 'email' ? 'an email address' : format === 'regex' ? 'a value of the documented form' : `a ${format}`;
}

/** zod's built-in texts start with "Invalid"; a schema's own message does not. */
function isZodDefault(message: string): boolean {
  return /^Invalid\b/.test(message);
}

/** A value as it would read in the file, on one line and short. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') {
    const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    return value === '' ? 'an empty string' : shown;
  }
  return String(value);
}
