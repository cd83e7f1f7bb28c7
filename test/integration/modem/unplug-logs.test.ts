/*
 * Issue 12: an unplugged modem is routine: its warnings (modem.port_closed, modem.reopen) carry
 * the reason, not a stack trace, and say each thing once. Real driver, simulated modem; the open
 * failure is the real serialport binding on a path that does not exist.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createModemTransport, type ModemTransport } from '../../../src/transports/modem/index.js';
import { openPort } from '../../../src/transports/modem/port.js';
import { createSimBinding, SimDevice } from '../../../src/transports/sim/index.js';

const PATH = 'sim://gsm1';
const running: ModemTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop({ drain: false })));
});

type Line = Record<string, unknown>;

async function until(what: () => boolean): Promise<void> {
  while (!what()) await new Promise((r) => setTimeout(r, 10));
}

/** No line carries a stack, and no message says the same clause twice. */
function expectPlain(lines: readonly Line[]): void {
  for (const line of lines) {
    expect(JSON.stringify(line)).not.toMatch(/"stack"|\\n\s+at /);
    const clauses = String(line['msg']).split(/[:;,] /).filter((c) => c.length > 8);
    expect(new Set(clauses).size, String(line['msg'])).toBe(clauses.length);
  }
}

describe('routine modem warnings are plain lines (issue 12)', () => {
  it('unplug and failed reopens log the reason without a stack, then the modem comes back', async () => {
    const lines: Line[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Line) } });
    const binding = createSimBinding(new SimDevice({ now: Date.now }));
    const t = createModemTransport({
      name: 'gsm1', path: PATH, baudRate: 115200, binding, logger,
      timeouts: { command: 600, sync: 200, syncAttempts: 2, registration: 300, registrationPoll: 50 },
      recovery: { reopenInitial: 20, reopenMax: 40 },
    });
    running.push(t);
    await t.start();
    binding.unplug(PATH);
    await until(() => lines.filter((l) => l['event'] === 'modem.reopen' && l['outcome'] === 'failed').length >= 2);
    binding.replug(PATH);
    await until(() => t.health().state === 'ready');
    const warnings = lines.filter((l) => l['level'] === 'warn' || l['level'] === 'error');
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings.filter((l) => l['event'] === 'modem.reopen').every((l) => typeof l['reason'] === 'string' && l['err'] === undefined)).toBe(true);
    expectPlain(lines);
  });

  it('a serial path that does not exist fails with its path once and the cause', async () => {
    const path = '/dev/mail2sms-no-such-modem';
    const failure = await openPort({ path, baudRate: 115200 }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(failure?.message).toMatch(new RegExp(`^cannot open ${path}: No such file or directory$`));
  });
});
