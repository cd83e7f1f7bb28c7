import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const flagsIn = (text: string) => (text.match(/--max-(?:semi|old)-space-size=\d+/g) ?? []).join(' ');

describe('the V8 flags the gateway runs with (docs/benchmarks.md, Memory)', () => {
  const cli = flagsIn(read('src/cli/main.ts').split('\n')[0]!);

  it('are on the mail2sms command line', () => {
    expect(cli).toBe('--max-semi-space-size=1 --max-old-space-size=256');
  });

  it('are the same for npm start, the systemd unit and both benchmarks that start the gateway', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(flagsIn(pkg.scripts['start']!)).toBe(cli);
    expect(flagsIn(read('systemd/mail2sms.service').split('\n').find((l) => l.startsWith('ExecStart='))!)).toBe(cli);
    expect(flagsIn(read('scripts/bench/peers.mjs').split('\n').find((l) => l.includes('const nodeArgs'))!)).toBe(cli);
    expect(flagsIn(read('scripts/bench/gateway-fork.mjs').split('\n').find((l) => l.startsWith('export const DEPLOYED_NODE_FLAGS'))!).replace(/'/g, '')).toBe(cli);
  });
});
