/*
 * The real modem transport against a simulated modem passing for each shipped modem family
 * (hardware/profiles, transports/sim/families.ts): the driver detects the family from AT+CGMI/
 * AT+CGMM alone and sends a two-part message with status reports through its quirks. Then, quirk
 * by quirk, the same device against a driver that knows no profile (`profiles: []`), failing the
 * way the flag exists to prevent, beside the driver that has it.
 *
 * Families with no shipped profile carrying a flag (cmgsCountsSmsc, slowPrompt, cnmi, noCds,
 * noCmms) are shown on a variant of a shipped profile with that one flag set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadModemProfiles } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { createModemTransport, ModemDriver, openPort, type DriverTimeouts, type ModemTransport, type Profile, type RecoveryTimings } from '../../../src/transports/modem/index.js';
import { createSimBinding, SimDevice, simQuirksOf, type SimDeviceOptions } from '../../../src/transports/sim/index.js';
import type { OutboundSegment, StatusReport } from '../../../src/transports/transport.js';
import { drained, until } from '../../helpers/wait.js';

const PROFILES = loadModemProfiles() as unknown as Profile[];
const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 300, submit: 600, escSettle: 30, registration: 300, registrationPoll: 50 };
const QUICK: Partial<RecoveryTimings> = { timeoutsBeforeRecovery: 2, resetWait: 50, reopenInitial: 30, reopenMax: 120, networkPoll: 40 };
const signal = new AbortController().signal;

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

type Line = Record<string, unknown>;

function profile(name: string): Profile {
  const found = PROFILES.find((p) => p.name === name);
  if (!found) throw new Error(`no shipped profile ${name}`);
  return found;
}

/** A shipped profile with one more quirk, as a firmware of that family might have it. */
function variant(name: string, change: Partial<Pick<Profile, 'cnmi'>> & { flags?: Partial<Profile['flags']> }): Profile {
  const base = profile(name);
  return { ...base, ...change, flags: { ...base.flags, ...change.flags } };
}

/** A device passing for `family`, with a short prompt delay where the family's prompt is slow. */
function deviceFor(family: Profile, extra: SimDeviceOptions = {}): SimDevice {
  const { identity, quirks } = simQuirksOf(family);
  return new SimDevice({
    now: Date.now, statusReportDelayMs: 5, ...extra,
    ...(identity ? { identity } : {}),
    quirks: { ...quirks, promptDelayMs: 50, ...extra.quirks },
  });
}

function logged() {
  const lines: Line[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(JSON.parse(s) as Line) } });
  const events = (name: string) => lines.filter((l) => l['event'] === name);
  const sent = () => events('at.tx').map((l) => String(l['at']));
  return { logger, events, sent };
}

/** The modem transport over `device`, detecting a profile among `profiles` (none: the generic modem). */
function transportFor(device: SimDevice, profiles: readonly Profile[], timeouts: Partial<DriverTimeouts> = FAST) {
  const { logger, events, sent } = logged();
  const t = createModemTransport({ name: 'gsm1', path: 'sim://gsm1', baudRate: 115200, binding: createSimBinding(device), logger, timeouts, recovery: QUICK, profiles });
  running.push({ stop: () => t.stop({ drain: false }) });
  const reports: StatusReport[] = [];
  t.onStatusReport((r) => reports.push(r));
  return { t, reports, events, sent };
}

/** The driver alone over `device`, for commands the transport does not expose. */
async function driverFor(device: SimDevice, profiles: readonly Profile[]) {
  const { logger } = logged();
  const link = await openPort({ path: 'sim://gsm1', baudRate: 115200, binding: createSimBinding(device) });
  const driver = new ModemDriver({ name: 'gsm1', link, logger, timeouts: FAST, profiles });
  running.push({ stop: () => driver.close() });
  return driver;
}

/** Part `seq` of a two-part message asking for status reports. */
const part = (seq: number, over: Partial<OutboundSegment> = {}): OutboundSegment => ({
  qid: 'Q1', seq, total: 2, destination: '+447700900123', encoding: 'gsm7', text: `Pump 3 failed, part ${seq}`,
  concat: { ref: 42, total: 2, seq }, statusReport: true, ...over,
});

const srr = (tpduHex: string): boolean => (parseInt(tpduHex.slice(0, 2), 16) & 0x20) !== 0;

describe('every shipped modem family, emulated, through the modem transport', () => {
  it.each(PROFILES.map((p) => [p.name, p] as const))('%s: detected from AT+CGMI/AT+CGMM, sends a 2-part message and gets its status reports', async (name, family) => {
    const device = deviceFor(family, { faults: ['status-report'] });
    const { t, reports, events } = transportFor(device, PROFILES);
    await t.start();
    expect(events('modem.profile').map((l) => l['profile'])).toEqual([name]);
    expect(t.health()).toEqual({ ready: true, state: 'ready' });
    await expect(t.send(part(1), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    await expect(t.send(part(2), signal)).resolves.toEqual({ kind: 'sent', messageRef: '1' });
    const got = device.received();
    expect(got).toHaveLength(2);
    // A family that delivers no +CDS is not asked for reports (TP-SRR clear), and sends none.
    expect(got.map((r) => srr(r.tpduHex))).toEqual([!family.flags.noCds, !family.flags.noCds]);
    if (family.flags.noCds) {
      // Any report would be queued before the marker the device writes now.
      await drained(device, (l) => t.onUnsolicited(l));
      expect(reports).toEqual([]);
    } else {
      await until(() => reports.length === 2, 'both status reports');
      expect(reports.map((r) => [r.messageRef, r.recipient, r.state])).toEqual([['0', '+447700900123', 'delivered'], ['1', '+447700900123', 'delivered']]);
    }
  });
});

describe('each quirk, against a driver that knows no profile', () => {
  it('cpinWithoutOk (Wavecom): the generic init waits out its command timeout on AT+CPIN?', async () => {
    const wavecom = profile('wavecom-q24');
    const generic = transportFor(deviceFor(wavecom), []);
    await expect(generic.t.start()).rejects.toMatchObject({ code: 'M2S_AT_TIMEOUT', message: 'no answer to AT+CPIN? in 600 ms' });
    const profiled = transportFor(deviceFor(wavecom), PROFILES);
    await expect(profiled.t.start()).resolves.toBeUndefined();
  });

  it('cmgsCountsSmsc: the generic AT+CMGS=<TPDU length> gets +CMS ERROR: 304, not +CMGS; the profile adds the SMSC octet', async () => {
    const family = variant('quectel-ec25', { flags: { cmgsCountsSmsc: true } });
    const device = deviceFor(family);
    const generic = transportFor(device, []);
    await generic.t.start();
    await expect(generic.t.send(part(1, { total: 1, concat: undefined }), signal)).resolves.toMatchObject({ kind: 'failed', diagnostic: expect.stringMatching(/^\+CMS ERROR: 304 /) });
    expect(device.received()).toEqual([]);
    await generic.t.stop({ drain: false });
    const profiled = transportFor(device, [family]);
    await profiled.t.start();
    await expect(profiled.t.send(part(1, { total: 1, concat: undefined }), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    const [taken] = device.received();
    expect(profiled.sent()).toContain(`AT+CMGS=${taken!.tpduHex.length / 2 + 1}`);
  });

  it('cnmi: the generic init fails on AT+CNMI=2,1,0,1,0 with +CMS ERROR: 303; the profile sends its own setting', async () => {
    const family = variant('telit-le910', { cnmi: '2,1,0,2,0' });
    const generic = transportFor(deviceFor(family), []);
    await expect(generic.t.start()).rejects.toMatchObject({ code: 'M2S_AT_ERROR', command: 'AT+CNMI=2,1,0,1,0', cms: 303 });
    const profiled = transportFor(deviceFor(family), [family]);
    await profiled.t.start();
    expect(profiled.sent()).toContain('AT+CNMI=2,1,0,2,0');
  });

  it('slowPrompt: the standard prompt wait (300 ms here) runs out before the "> "; the profile waits for it', async () => {
    const family = variant('sierra-mc73xx', { flags: { slowPrompt: true } });
    const slow = { quirks: { promptDelayMs: 600 } };
    const generic = transportFor(deviceFor(family, slow), []);
    await generic.t.start();
    await expect(generic.t.send(part(1), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, diagnostic: expect.stringMatching(/^no "> " prompt after AT\+CMGS=\d+; aborted with ESC$/) });
    await generic.t.stop({ drain: false });
    // No prompt override: the profile's own wait applies (SLOW_PROMPT_MS, as the driver gives slowPrompt).
    const { prompt: _standard, ...withoutPrompt } = FAST;
    const profiled = transportFor(deviceFor(family, slow), [family], withoutPrompt);
    await profiled.t.start();
    await expect(profiled.t.send(part(1), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
  });

  it('noCds: the generic driver asks for a report that never comes; the profile does not ask', async () => {
    const family = variant('simcom-sim7600', { flags: { noCds: true } });
    const device = deviceFor(family, { faults: ['status-report'] });
    const generic = transportFor(device, []);
    await generic.t.start();
    await expect(generic.t.send(part(1), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(srr(device.received()[0]!.tpduHex)).toBe(true);
    await drained(device, (l) => generic.t.onUnsolicited(l));
    expect(generic.reports).toEqual([]);
    await generic.t.stop({ drain: false });
    const profiled = transportFor(device, [family]);
    await profiled.t.start();
    await profiled.t.send(part(1), signal);
    expect(srr(device.received()[1]!.tpduHex)).toBe(false);
  });

  it('noCmms: the generic driver sends AT+CMMS=2 before a first part and gets ERROR (the part still goes); the profile leaves it out', async () => {
    const family = variant('ublox-lara', { flags: { noCmms: true } });
    const generic = transportFor(deviceFor(family), []);
    await generic.t.start();
    await expect(generic.t.send(part(1), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(generic.sent()).toContain('AT+CMMS=2');
    expect(generic.events('at.rx').map((l) => l['at'])).toContain('ERROR');
    await generic.t.stop({ drain: false });
    const profiled = transportFor(deviceFor(family), [family]);
    await profiled.t.start();
    await profiled.t.send(part(1), signal);
    expect(profiled.sent()).not.toContain('AT+CMMS=2');
  });

  it('needsCscs (Huawei): without AT+CSCS="GSM" the SMSC reads back in UCS2 hex', async () => {
    const huawei = profile('huawei-e3372');
    const generic = await driverFor(deviceFor(huawei), []);
    await generic.init();
    await expect(generic.command('AT+CSCA?')).resolves.toEqual(['+CSCA: "002B003400340037003700380035003000310036003000300035",145']);
    await generic.close();
    const profiled = await driverFor(deviceFor(huawei), PROFILES);
    await profiled.init();
    await expect(profiled.command('AT+CSCA?')).resolves.toEqual(['+CSCA: "+447785016005",145']);
  });

  it('finalErrors (Huawei): COMMAND NOT SUPPORT ends an unknown command at once, with or without the profile', async () => {
    const huawei = profile('huawei-e3372');
    for (const profiles of [[], PROFILES]) {
      const driver = await driverFor(deviceFor(huawei), profiles);
      await driver.init();
      // Ended by that line, not by the command timeout (which would be M2S_AT_TIMEOUT).
      await expect(driver.command('AT+CPROT=?')).rejects.toMatchObject({ code: 'M2S_AT_ERROR', command: 'AT+CPROT=?', message: 'AT+CPROT=? answered COMMAND NOT SUPPORT' });
      await driver.close();
    }
  });
});
