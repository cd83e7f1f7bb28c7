/*
 * A real third-party client drives the simulated modem on a pty (SPEC 9: the simulator "can also
 * sit on a pty for testing other software"): Debian's `gammu sendsms` through an `at` connection
 * runs its own phone init (ATE1, AT+CGMI, AT+CPMS, AT+CSCA?, ...) and sends SMS-SUBMIT PDUs with
 * AT+CMGS. The simulator must answer it like a modem and decode every PDU right; if gammu cannot
 * talk to it, the simulator is wrong, not gammu.
 *
 * It reads SMS from it too: `mail2sms sim --mo` texts, stored in the simulator's SIM store, are
 * listed by `gammu getallsms` (AT+CPMS, AT+CMGL/AT+CMGR in PDU mode) and removed by
 * `gammu deleteallsms` (AT+CMGD).
 *
 * Needs the Debian package `gammu` (scripts/test.sh installs it) and a build (`npm run build`),
 * since the simulator runs from dist/.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimPty, type SimProcess, type SimSms } from '../helpers/sim-pty.js';

const run = promisify(execFile);
const GAMMU_TIMEOUT_MS = 60_000;

function requireGammu(): void {
  if (spawnSync('sh', ['-c', 'command -v gammu']).status !== 0) {
    throw new Error('gammu is not installed: run the test command, scripts/test.sh, which installs the Debian package gammu');
  }
}

/** Runs `gammu -c RC sendsms TEXT <to> ...` and returns its output; rejects when gammu fails. */
async function gammuSend(rc: string, to: string, args: readonly string[]): Promise<string> {
  const r = await run('gammu', ['-c', rc, 'sendsms', 'TEXT', to, ...args], { timeout: GAMMU_TIMEOUT_MS, encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

/** Runs `gammu -c RC <args>` and returns its output; rejects when gammu fails. */
async function gammu(rc: string, args: readonly string[]): Promise<string> {
  const r = await run('gammu', ['-c', rc, ...args], { timeout: GAMMU_TIMEOUT_MS, encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

/** Rejoins concatenated parts (3GPP TS 23.040 9.2.3.24.1) by reference, in sequence order. */
function rejoin(parts: readonly SimSms[]): string {
  return [...parts].sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0)).map((p) => p.text).join('');
}

describe('gammu sendsms drives the simulated modem on a pty', () => {
  let dir: string;
  let sim: SimProcess;
  let rc: string;

  beforeAll(async () => {
    requireGammu();
    dir = mkdtempSync(join(tmpdir(), 'mail2sms-gammu-'));
    sim = await startSimPty(join(dir, 'modem'));
    rc = join(dir, 'gammurc');
    writeFileSync(rc, ['[gammu]', `device = ${sim.path}`, 'connection = at115200', `logfile = ${join(dir, 'gammu.log')}`, 'logformat = textall', ''].join('\n'));
  });

  afterAll(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a one-part GSM 7-bit text to the destination gammu was given', { timeout: GAMMU_TIMEOUT_MS }, async () => {
    const before = sim.received.length;
    const out = await gammuSend(rc, '+447973100000', ['-text', 'Disk full on db1 [sda] ~95% {alert}']);
    expect(out).toContain('OK, message reference=');
    await sim.waitForCount(before + 1);
    const sms = sim.received[before]!;
    expect(sms.destination).toBe('+447973100000');
    expect(sms.encoding).toBe('gsm7');
    expect(sms.text).toBe('Disk full on db1 [sda] ~95% {alert}');
    expect(sms.concat).toBeNull();
  });

  it('rejoins a 400-character message gammu split into three concatenated parts', { timeout: 2 * GAMMU_TIMEOUT_MS }, async () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${String(i).padStart(3, '0')}.`).join('').slice(0, 400);
    expect(text).toHaveLength(400);
    const before = sim.received.length;
    const out = await gammuSend(rc, '+447973100000', ['-len', '400', '-text', text]);
    expect(out).toContain('Sending SMS 3/3');
    await sim.waitForCount(before + 3);
    const parts = sim.received.slice(before);
    expect(parts.map((p) => p.concat?.total)).toEqual([3, 3, 3]);
    expect(new Set(parts.map((p) => p.concat?.ref)).size).toBe(1);
    expect(parts.map((p) => p.concat?.seq).sort()).toEqual([1, 2, 3]);
    expect(parts.every((p) => p.destination === '+447973100000')).toBe(true);
    expect(rejoin(parts)).toBe(text);
  });

  it('decodes a UCS-2 message gammu sent with -unicode to a national number', { timeout: GAMMU_TIMEOUT_MS }, async () => {
    const before = sim.received.length;
    await gammuSend(rc, '07973100001', ['-unicode', '-text', 'Grüße aus Zürich ✓']);
    await sim.waitForCount(before + 1);
    const sms = sim.received[before]!;
    expect(sms.destination).toBe('07973100001');
    expect(sms.encoding).toBe('ucs2');
    expect(sms.text).toBe('Grüße aus Zürich ✓');
  });
});

describe('gammu reads and deletes the SMS mail2sms sim --mo delivered to the simulated modem (issue 14)', () => {
  let dir: string;
  let sim: SimProcess;
  let rc: string;
  const long = `Grüße 😀 ${'x'.repeat(80)}`;

  beforeAll(async () => {
    requireGammu();
    dir = mkdtempSync(join(tmpdir(), 'mail2sms-gammu-mo-'));
    sim = await startSimPty(join(dir, 'modem'), ['--mo', '+447700900123', 'ack 42 {ok}', '--mo', 'Alerts', long]);
    rc = join(dir, 'gammurc');
    writeFileSync(rc, ['[gammu]', `device = ${sim.path}`, 'connection = at115200', ''].join('\n'));
    await vi.waitFor(() => expect(sim.mo).toHaveLength(2), { timeout: 10_000, interval: 20 });
  });

  afterAll(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists a GSM text with extension characters and a concatenated UCS-2 text with an emoji from an alphanumeric sender', { timeout: GAMMU_TIMEOUT_MS }, async () => {
    expect(sim.mo.map((m) => [m.from, m.parts, m.held])).toEqual([['+447700900123', 1, 0], ['Alerts', 2, 0]]);
    const out = await gammu(rc, ['getallsms']);
    expect(out).toContain('3 SMS parts in 3 SMS sequences');
    expect(out).toContain('Remote number        : "+447700900123"');
    expect(out).toContain('ack 42 {ok}');
    expect(out).toContain('Remote number        : "Alerts"');
    expect(out).toContain('Concatenated (linked) message, ID (8 bit) 1, part 2 of 2');
    const texts = [...out.matchAll(/part (\d) of 2\n\n([^\n]*)\n/g)].sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => m[2]);
    expect(texts.join('')).toBe(long);
  });

  it('deletes them all, leaving an empty store', { timeout: 2 * GAMMU_TIMEOUT_MS }, async () => {
    await gammu(rc, ['deleteallsms', '1']);
    expect(await gammu(rc, ['getallsms'])).toContain('0 SMS parts in 0 SMS sequences');
  });
});
