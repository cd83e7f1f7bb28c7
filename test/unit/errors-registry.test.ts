import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

describe('the error code registry', () => {
  it('documents every code in docs/errors.md, and documents no code that does not exist', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/`(M2S_[A-Z_]+)`/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});

describe('the log event names', () => {
  it('lists every event the source logs in docs/logging.md', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(`${dir}/${n}`).isDirectory() ? walk(`${dir}/${n}`) : n.endsWith('.ts') ? [`${dir}/${n}`] : []));
    const src = resolve(import.meta.dirname, '../../src');
    const events = new Set(walk(src).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/event: '([a-z_.-]+)'/g)].map((m) => m[1]!)));
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/logging.md'), 'utf8');
    expect([...events].filter((e) => !doc.includes(`\`${e}\``))).toEqual([]);
    expect(events.size).toBeGreaterThan(20);
  });
});
