/*
 * The fuzz campaign's short run (issue 12): every parser that reads outside input gets its seeds
 * and a few hundred mutated inputs with a fixed seed, and every crash the long campaign
 * (scripts/fuzz, docs/fuzzing.md) ever found is replayed from test/fixtures/fuzz/regressions.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTarget } from './run.js';
import { fuzzTargets } from './targets.js';

const REGRESSIONS = resolve(import.meta.dirname, '../fixtures/fuzz/regressions');
/** Inputs per target in the suite: the SMTP session goes over a socket, so it gets fewer. */
const SHORT: Readonly<Record<string, number>> = { smtp: 60, mime: 150, 'encoded-words': 300 };

for (const target of fuzzTargets()) {
  describe(`fuzz target ${target.name}`, () => {
    beforeAll(async () => target.setup?.(), 30_000);
    afterAll(async () => target.teardown?.(), 30_000);

    it(`survives its seeds and ${SHORT[target.name] ?? 1000} mutated inputs: ${target.checks}`, async () => {
      const stats = await runTarget(target, { seed: 20261203, inputs: SHORT[target.name] ?? 1000 });
      expect(stats.findings.map((f) => `${f.index}: ${f.message}`)).toEqual([]);
      expect(stats.inputs).toBeGreaterThan(SHORT[target.name] ?? 1000);
    }, 120_000);

    const dir = join(REGRESSIONS, target.name);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')).sort() : [];
    it.skipIf(files.length === 0)(`replays the ${files.length} crash(es) the campaign found`, async () => {
      for (const f of files) {
        const started = performance.now();
        await expect(Promise.resolve().then(() => target.run(readFileSync(join(dir, f)), 0)), f).resolves.toBeUndefined();
        expect(performance.now() - started, `${f} took too long`).toBeLessThan(target.timeoutMs);
      }
    });
  });
}
