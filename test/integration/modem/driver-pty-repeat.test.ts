/*
 * driver-pty-repeat.test.ts - regression: over a real pty a zero-latency modem answers before the
 * driver's write has drained; every answer must still reach the command that asked for it.
 * Runs the whole init and several sends 20 times in a row, each on a fresh pty pair.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.js';
import { ModemDriver } from '../../../src/transports/modem/driver.js';
import { openPort } from '../../../src/transports/modem/port.js';
import { startPtySim, type PtySim } from '../../../src/transports/sim/carrier-pty.js';
import { SimDevice } from '../../../src/transports/sim/device.js';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/modem-at/pdu-vectors.json'), 'utf8')) as {
  submit: { id: string; expected: { pdu_hex: string } }[];
};
const TPDU = vectors.submit.find((v) => v.id.endsWith('test_create_pdu_gsm_3'))!.expected.pdu_hex.slice(2);
const ROUNDS = 20;
const SENDS = 3;

const running: { sim?: PtySim; driver?: ModemDriver }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.driver?.close().catch(() => undefined);
    await r.sim?.close();
  }
});

async function oneRound(): Promise<void> {
  const device = new SimDevice({ now: Date.now, latencyMs: 0 });
  const sim = await startPtySim(device);
  running.push({ sim });
  const link = await openPort({ path: sim.path, baudRate: 115200 });
  const driver = new ModemDriver({ name: 'pty', link, logger: silentLogger(), timeouts: { command: 2_000, prompt: 2_000, submit: 2_000 } });
  running.push({ driver });
  await expect(driver.init()).resolves.toEqual({ registration: 1, rssi: 20 });
  for (let mr = 0; mr < SENDS; mr++) {
    await expect(driver.sendPdu(TPDU, TPDU.length / 2)).resolves.toEqual({ kind: 'sent', mr });
  }
  expect(device.received().map((r) => r.tpduHex)).toEqual(Array(SENDS).fill(TPDU));
  await driver.close();
  await sim.close();
  running.splice(0);
}

describe('modem driver over a real pty, repeated', () => {
  it(`gets every answer of the init and ${SENDS} sends in ${ROUNDS} rounds with a zero-latency modem`, async () => {
    for (let round = 0; round < ROUNDS; round++) await oneRound();
  }, 120_000);
});
