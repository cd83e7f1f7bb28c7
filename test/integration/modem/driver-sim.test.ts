import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { ModemDriver, type DriverTimeouts, type UnsolicitedEvent } from '../../../src/transports/modem/driver.js';
import { openPort } from '../../../src/transports/modem/port.js';
import { createSimBinding } from '../../../src/transports/sim/carrier.js';
import { SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/device.js';
import { drained } from '../../helpers/wait.js';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/modem-at/pdu-vectors.json'), 'utf8')) as {
  submit: { id: string; expected: { pdu_hex: string; tpdu_offset: number } }[];
};
/** ModemManager test_create_pdu_gsm_no_smsc without its 00 SMSC octet: the TPDU alone. */
const TPDU = vectors.submit.find((v) => v.id.endsWith('test_create_pdu_gsm_no_smsc'))!.expected.pdu_hex.slice(2);
const LENGTH = TPDU.length / 2;
/** The same SUBMIT with TP-SRR set (first octet 0x31). */
const TPDU_SRR = `31${TPDU.slice(2)}`;

const FAST: Partial<DriverTimeouts> = { command: 1_000, sync: 300, prompt: 400, submit: 400, escSettle: 100, registration: 300, registrationPoll: 50 };
const open: ModemDriver[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function rig(options: SimDeviceOptions & { pin?: string; latencyMs?: number } = {}, onLine: (line: Record<string, unknown>) => void = () => undefined) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => { const line = JSON.parse(s) as Record<string, unknown>; lines.push(line); onLine(line); } } });
  const device = new SimDevice({ now: Date.now, ...options, pin: options.pin });
  const binding = createSimBinding(device);
  const link = await openPort({ path: 'sim://gsm1', baudRate: 115200, binding });
  const driver = new ModemDriver({ name: 'gsm1', link, logger, pin: options.pin, timeouts: FAST });
  open.push(driver);
  const urcs: UnsolicitedEvent[] = [];
  driver.onUnsolicited((u) => urcs.push(u));
  const sent = () => lines.filter((l) => l['event'] === 'at.tx').map((l) => l['at']);
  return { device, binding, driver, lines, urcs, sent };
}

describe('modem driver against the simulated modem (in-process serialport binding)', () => {
  it('runs the init sequence from echo on to registered and reads the signal', async () => {
    const { driver, sent } = await rig();
    await expect(driver.init()).resolves.toEqual({ registration: 1, rssi: 20 });
    expect(sent()).toEqual(['AT', 'ATE0', 'AT+CMEE=1', 'AT+CPIN?', 'AT+CMGF=0', 'AT+CNMI=2,1,0,1,0', 'AT+CREG=1', 'AT+CEREG=1', 'AT+CREG?', 'AT+CSQ']);
  });

  it('enters the configured PIN once and never logs it', async () => {
    const { driver, lines } = await rig({ pin: '4321' });
    await driver.init();
    const text = JSON.stringify(lines);
    expect(text).not.toContain('4321');
    expect(lines.filter((l) => l['at'] === 'AT+CPIN="****"' && l['event'] === 'at.tx')).toHaveLength(1);
    expect(lines.every((l) => l['transport'] === 'modem:gsm1' || l['event'] === undefined)).toBe(true);
  });

  it('gives up with M2S_AT_PIN after one refused PIN, leaving the SIM its other tries', async () => {
    const device = new SimDevice({ pin: '1111' });
    const binding = createSimBinding(device);
    const link = await openPort({ path: 'sim://pin', baudRate: 115200, binding });
    const logger = createLogger({ level: 'silent' });
    const driver = new ModemDriver({ name: 'pin', link, logger, pin: '2222', timeouts: FAST });
    open.push(driver);
    await expect(driver.init()).rejects.toMatchObject({ code: 'M2S_AT_PIN', cme: 16 });
    await expect(driver.command('AT+CPIN?')).resolves.toEqual(['+CPIN: SIM PIN']);
  });

  it('rejects with M2S_AT_PIN when the SIM wants a PIN and none is configured', async () => {
    const device = new SimDevice({ pin: '1111' });
    const link = await openPort({ path: 'sim://nopin', baudRate: 115200, binding: createSimBinding(device) });
    const bare = new ModemDriver({ name: 'nopin', link, logger: createLogger({ level: 'silent' }), timeouts: FAST });
    open.push(bare);
    await expect(bare.init()).rejects.toMatchObject({ code: 'M2S_AT_PIN' });
  });

  it('resolves with the <stat> when the modem stays off the network, after polling for the registration time', async () => {
    // Only the clock the deadline is read from is frozen: it passes when the fourth poll goes
    // out, so the count does not depend on how fast this machine is.
    vi.useFakeTimers({ toFake: ['Date'] });
    let polls = 0;
    const { driver, sent } = await rig({ registration: 2 }, (line) => {
      if (line['event'] === 'at.tx' && line['at'] === 'AT+CREG?' && (polls += 1) === 4) vi.setSystemTime(Date.now() + FAST.registration!);
    });
    await expect(driver.init()).resolves.toEqual({ registration: 2, rssi: 20 });
    expect(driver.network).toEqual({ cs: 2, eps: 2 });
    // Each poll asks both domains while neither is registered; none after the deadline.
    expect(sent().filter((c) => c === 'AT+CREG?' || c === 'AT+CEREG?')).toEqual(Array.from({ length: 4 }, () => ['AT+CREG?', 'AT+CEREG?']).flat());
  });

  it('syncs with a modem that ignores the first commands', async () => {
    // The fault goes as the second AT is written: the first one timed out and was followed by ESC.
    let ats = 0;
    let device: SimDevice | undefined;
    const r = await rig({ faults: ['no-answer'] }, (line) => {
      if (line['event'] === 'at.tx' && line['at'] === 'AT' && (ats += 1) === 2) device?.clearFault('no-answer');
    });
    const { driver, sent } = r;
    device = r.device;
    await expect(driver.init()).resolves.toMatchObject({ registration: 1 });
    expect(sent().slice(0, 4)).toEqual(['AT', '<ESC>', 'AT', 'ATE0']);
  });

  it('sends a PDU and gets the message reference; the device got the TPDU with a 00 SMSC field', async () => {
    const { driver, device } = await rig({ latencyMs: 5 });
    await driver.init();
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toEqual({ kind: 'sent', mr: 0 });
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toEqual({ kind: 'sent', mr: 1 });
    expect(device.received().map((r) => [r.smscHex, r.tpduHex, r.length])).toEqual([['00', TPDU, LENGTH], ['00', TPDU, LENGTH]]);
  });

  it.each([
    [332, true, '4.4.1', '+CMS ERROR: 332 (network timeout)'],
    [330, false, '5.3.5', '+CMS ERROR: 330 (smsc address unknown)'],
    [500, true, '4.3.0', '+CMS ERROR: 500 (unknown error)'],
  ])('classifies +CMS ERROR: %i as temporary=%s, %s', async (code, temporary, status, diagnostic) => {
    const { driver } = await rig({ faults: [`cms-error:${code}`] });
    await driver.init();
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toEqual({ kind: 'failed', temporary, status, diagnostic, cms: code });
  });

  it('answers a length the modem refuses with a permanent failure (+CMS ERROR: 304)', async () => {
    const { driver } = await rig();
    await driver.init();
    await expect(driver.sendPdu(TPDU, LENGTH + 1)).resolves.toMatchObject({ kind: 'failed', temporary: false, cms: 304 });
  });

  it('aborts with ESC when no prompt comes, fails temporarily, and the next send goes out', async () => {
    const { driver, sent } = await rig({ faults: ['no-prompt'] });
    await driver.init();
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toMatchObject({ kind: 'failed', temporary: true });
    expect(sent()).toContain('<ESC>');
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toEqual({ kind: 'sent', mr: 0 });
  });

  it('reports unknown when the PDU was written and no result came, and recovers', async () => {
    const { driver, device } = await rig({ faults: ['hang-after-prompt'] });
    await driver.init();
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toMatchObject({ kind: 'unknown' });
    expect(device.received()).toHaveLength(1);
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toEqual({ kind: 'sent', mr: 1 });
  });

  it('passes URCs before the prompt, before +CMGS and after OK to listeners and still sends', async () => {
    const r = await rig({ faults: ['interleave-urcs'] });
    const { driver, urcs, device } = r;
    await driver.init();
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toEqual({ kind: 'sent', mr: 0 });
    await drained(device, (l) => driver.onUnsolicited(l));
    expect(urcs.map((u) => u.name)).toEqual(['+ZDONR', '+ZPASR', '+ZDONR', '+ZPASR', '+CMTI', '^MARK']);
  });

  it('hands the +CDS status report PDU to listeners', async () => {
    const { driver, urcs } = await rig({ faults: ['status-report'], statusReportDelayMs: 10 });
    await driver.init();
    await expect(driver.sendPdu(TPDU_SRR, LENGTH)).resolves.toEqual({ kind: 'sent', mr: 0 });
    await expect.poll(() => urcs.find((u) => u.name === '+CDS')).toBeDefined();
    const cds = urcs.find((u) => u.name === '+CDS')!;
    expect(cds.line).toBe('+CDS: 25');
    // SMSC field (8 octets), then first octet 06 and TP-MR 00.
    expect(cds.pdu!.slice(16, 20)).toBe('0600');
  });

  it('sends AT+CMMS=2 before a part that has more to follow', async () => {
    const { driver, sent } = await rig();
    await driver.init();
    await driver.sendPdu(TPDU, LENGTH, undefined, { moreToFollow: true });
    expect(sent().slice(-3)).toEqual(['AT+CMMS=2', `AT+CMGS=${LENGTH}`, `00${TPDU}<Ctrl-Z>`]);
  });

  it('gives an outcome, not a rejection, when the modem is unplugged mid-send', async () => {
    const { driver, binding, device } = await rig({ faults: ['hang-after-prompt'] });
    await driver.init();
    // Pulled once the device has the whole PDU, while the driver waits for an answer that never comes.
    device.onSubmit(() => setImmediate(() => binding.unplug('sim://gsm1')));
    const outcome = driver.sendPdu(TPDU, LENGTH);
    await expect(outcome).resolves.toMatchObject({ kind: 'unknown', diagnostic: expect.stringContaining('(closed)') });
    expect(driver.isClosed).toBe(true);
    await expect(driver.sendPdu(TPDU, LENGTH)).resolves.toMatchObject({ kind: 'unknown' });
    await expect(driver.command('AT')).rejects.toMatchObject({ code: 'M2S_AT_PORT' });
  });

  it('does not start a send whose signal is already aborted', async () => {
    const { driver, device } = await rig();
    await driver.init();
    await expect(driver.sendPdu(TPDU, LENGTH, AbortSignal.abort())).resolves.toMatchObject({ kind: 'failed', temporary: true });
    expect(device.received()).toHaveLength(0);
  });
});
