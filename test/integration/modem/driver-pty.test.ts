import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.js';
import { ModemDriver } from '../../../src/transports/modem/driver.js';
import { createModemTransport, type ModemTransport } from '../../../src/transports/modem/index.js';
import type { ReceivedPart } from '../../../src/transports/transport.js';
import { until } from '../../helpers/wait.js';
import { openPort } from '../../../src/transports/modem/port.js';
import { startPtySim, type PtySim } from '../../../src/transports/sim/carrier-pty.js';
import { SimDevice } from '../../../src/transports/sim/device.js';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/modem-at/pdu-vectors.json'), 'utf8')) as {
  submit: { id: string; expected: { pdu_hex: string } }[];
};
const TPDU = vectors.submit.find((v) => v.id.endsWith('test_create_pdu_gsm_3'))!.expected.pdu_hex.slice(2);

const running: { sim?: PtySim; driver?: ModemDriver; transport?: ModemTransport }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.transport?.stop({ drain: false });
    await r.driver?.close().catch(() => undefined);
    await r.sim?.close();
  }
});

describe('modem driver against the simulated modem on a real pty (socat, serialport platform binding)', () => {
  it('initialises, sends a PDU and classifies a +CMS ERROR through /dev/pts', async () => {
    const device = new SimDevice({ now: Date.now, pin: '0000', faults: ['interleave-urcs'] });
    const sim = await startPtySim(device);
    running.push({ sim });
    expect(sim.path).toMatch(/modem$/);
    const link = await openPort({ path: sim.path, baudRate: 115200 });
    const driver = new ModemDriver({ name: 'pty', link, logger: silentLogger(), pin: '0000', timeouts: { command: 2_000, prompt: 2_000, submit: 2_000 } });
    running.push({ driver });
    const urcs: string[] = [];
    driver.onUnsolicited((u) => urcs.push(u.name));
    await expect(driver.init()).resolves.toEqual({ registration: 1, rssi: 20 });
    await expect(driver.sendPdu(TPDU, TPDU.length / 2)).resolves.toEqual({ kind: 'sent', mr: 0 });
    expect(device.received()[0]?.tpduHex).toBe(TPDU);
    device.setFault('cms-error:331');
    await expect(driver.sendPdu(TPDU, TPDU.length / 2)).resolves.toMatchObject({ kind: 'failed', temporary: true, cms: 331 });
    expect(urcs).toContain('+ZDONR');
  });

  it('receives the SMS a phone sends the pty modem: one stored before start (read by AT+CMGL=4), one announced by +CMTI after', async () => {
    const device = new SimDevice({ now: Date.now });
    const sim = await startPtySim(device);
    running.push({ sim });
    const transport = createModemTransport({ name: 'pty', path: sim.path, baudRate: 115200, logger: silentLogger(), timeouts: { command: 2_000, prompt: 2_000, submit: 2_000 } });
    running.push({ transport });
    const got: ReceivedPart[] = [];
    transport.onReceived(async (part) => void got.push(part));
    sim.deliverMo({ from: '+447700900123', text: 'while you were out' });
    await transport.start();
    expect(got.map((p) => p.text)).toEqual(['while you were out']);
    sim.deliverMo({ from: '+447700900124', text: 'ack 42' });
    await until(() => got.length === 2 && device.stored().length === 0, 'the +CMTI one, read and deleted');
    expect(got.map((p) => p.from)).toEqual(['+447700900123', '+447700900124']);
  });
});
