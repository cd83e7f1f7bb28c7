/*
 * probeModem() against the simulated modem on a real pty (socat, serialport's platform
 * binding): the full bench-test sequence, the test SMS and its status report, baud detection
 * giving up on a silent port, and a modem that is not registered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSubmitTpdu } from '../../../src/encode/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { judgeProbe } from '../../../src/transports/modem/probe-report.js';
import { PROBE_BAUDS, probeModem } from '../../../src/transports/modem/probe.js';
import { startPtySim, type PtySim } from '../../../src/transports/sim/carrier-pty.js';
import { SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/device.js';

const running: PtySim[] = [];
afterEach(async () => {
  for (const sim of running.splice(0)) await sim.close();
});

async function simOn(options: SimDeviceOptions): Promise<{ device: SimDevice; path: string }> {
  const device = new SimDevice({ now: Date.now, ...options });
  const sim = await startPtySim(device);
  running.push(sim);
  return { device, path: sim.path };
}

describe('modem probe over a pty', () => {
  it('reads every value, sends a test SMS and matches its status report', async () => {
    const { device, path } = await simOn({ faults: ['status-report'], rssi: 25, operator: 'Vodafone UK', identity: { manufacturer: 'Quectel', model: 'EC25', iccid: '89441000303014717865' } });
    const report = await probeModem({ path, sendTo: '+447700900123', timeoutMs: 2_000, reportWaitMs: 5_000, logger: silentLogger() });
    expect(report.baud).toBe(115200);
    expect(report.identity).toMatchObject({ manufacturer: { ok: true, value: 'Quectel' }, model: { ok: true, value: 'EC25' }, imei: { ok: true, value: '356938035643809' } });
    expect(report.sim).toMatchObject({ pin: { value: 'READY' }, imsi: { value: '001010123456789' }, iccid: { value: '89441000303014717865' } });
    expect(report.network).toMatchObject({ creg: { value: 1 }, operator: { value: { mode: 0, name: 'Vodafone UK', act: 7 } } });
    expect(report.signal).toMatchObject({ ok: true, value: { rssi: 25, dbm: -63, bars: 5 } });
    expect(report.smsc).toMatchObject({ ok: true, value: { address: '+447785016005', type: 145 } });
    expect(report.pdu).toMatchObject({ modes: { value: [0, 1] }, select: { ok: true } });
    const sent = device.received();
    expect(sent).toHaveLength(1);
    const tpdu = decodeSubmitTpdu(sent[0]!.tpduHex);
    expect([tpdu.destination, tpdu.statusReport]).toEqual(['+447700900123', true]);
    expect(report.send).toMatchObject({ outcome: 'sent', mr: sent[0]!.mr, statusReport: { mr: sent[0]!.mr, recipient: '+447700900123', status: 0, delivered: true } });
    expect(judgeProbe(report)).toEqual({ ready: true, blocking: [], warnings: [], verdict: 'OK — ready to send SMS' });
  });

  it('tries every rate on a silent port and says none answered', async () => {
    const { path } = await simOn({ faults: ['no-answer'] });
    const report = await probeModem({ path, timeoutMs: 100, logger: silentLogger() });
    expect(report.baud).toBeUndefined();
    expect(report.baudsTried).toEqual(PROBE_BAUDS);
    expect(judgeProbe(report).verdict).toBe(`NOT READY — no answer to AT at any baud rate tried (${PROBE_BAUDS.join(', ')})`);
  });

  it('tries only the rate given', async () => {
    const { path } = await simOn({ faults: ['no-answer'] });
    const report = await probeModem({ path, baud: 9600, timeoutMs: 100, logger: silentLogger() });
    expect(report.baudsTried).toEqual([9600]);
  });

  it('reports a modem that is still searching and does not send the test SMS', async () => {
    const { device, path } = await simOn({ registration: 2, rssi: 99 });
    const report = await probeModem({ path, sendTo: '+447700900123', timeoutMs: 2_000, logger: silentLogger() });
    expect(report.network).toMatchObject({ creg: { value: 2 }, operator: { value: { mode: 0 } } });
    expect(report.signal).toMatchObject({ value: { rssi: 99, bars: 0 } });
    expect(report.send).toEqual({ to: '+447700900123', outcome: 'skipped', diagnostic: 'not sent: not registered on a network (not registered, searching)' });
    expect(device.received()).toHaveLength(0);
    expect(judgeProbe(report).verdict).toBe('NOT READY — not registered on a network (not registered, searching)');
  });

  it('names a refused test SMS as the blocking reason', async () => {
    const { path } = await simOn({ faults: ['cms-error:38'] });
    const report = await probeModem({ path, sendTo: '+447700900123', timeoutMs: 2_000, reportWaitMs: 0, logger: silentLogger() });
    expect(report.send).toMatchObject({ outcome: 'failed' });
    expect(judgeProbe(report).verdict).toMatch(/^NOT READY — test SMS to \+447700900123 failed: .*38/);
  });
});
