/*
 * The modem driver applying a profile (hardware/profiles, STYLE 3: quirks are data): chosen by
 * the route, or detected at init from AT+CGMI/AT+CGMM; against the simulated modem.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadModemProfiles } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { ModemDriver, type DriverTimeouts } from '../../../src/transports/modem/driver.js';
import { openPort } from '../../../src/transports/modem/port.js';
import { effectiveProfile, type Profile } from '../../../src/transports/modem/profile.js';
import { createTransport } from '../../../src/transports/index.js';
import { createSimBinding } from '../../../src/transports/sim/carrier.js';
import { SimDevice } from '../../../src/transports/sim/device.js';

const FAST: Partial<DriverTimeouts> = { command: 1_000, sync: 300, prompt: 400, submit: 400, escSettle: 50, registration: 300, registrationPoll: 50 };
const open: ModemDriver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

/** A profile matching the simulated modem's identity (AT+CGMI "mail2sms", AT+CGMM "SIM-1"). */
const SIM_PROFILE: Profile = {
  name: 'sim-test',
  description: 'the simulated modem',
  match: { manufacturer: '^mail2sms$', model: '^SIM-1$' },
  usb: [],
  init: ['AT+CSQ', 'AT+NOSUCHCOMMAND'],
  finalErrors: [],
  timeouts: {},
  flags: { ...effectiveProfile(undefined).flags, needsCscs: true, cmgsCountsSmsc: true },
};

async function rig(options: { profile?: Profile; profiles?: readonly Profile[] }) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  const link = await openPort({ path: 'sim://gsm1', baudRate: 115200, binding: createSimBinding(new SimDevice({ now: Date.now })) });
  const driver = new ModemDriver({ name: 'gsm1', link, logger, timeouts: FAST, ...options });
  open.push(driver);
  const sent = () => lines.filter((l) => l['event'] === 'at.tx').map((l) => l['at']);
  return { driver, lines, sent };
}

describe('modem profiles in the driver', () => {
  it('detects the profile from AT+CGMI/AT+CGMM and runs its init, a failing extra command logged and skipped', async () => {
    const { driver, sent, lines } = await rig({ profiles: [SIM_PROFILE] });
    await expect(driver.init()).resolves.toMatchObject({ registration: 1 });
    expect(driver.profile.name).toBe('sim-test');
    expect(sent()).toEqual(['AT', 'ATE0', 'AT+CGMI', 'AT+CGMM', 'AT+CMEE=1', 'AT+CPIN?', 'AT+CMGF=0', 'AT+CSCS="GSM"', 'AT+CNMI=2,1,0,1,0', 'AT+CSQ', 'AT+NOSUCHCOMMAND', 'AT+CREG=1', 'AT+CEREG=1', 'AT+CREG?', 'AT+CSQ']);
    expect(lines.filter((l) => l['event'] === 'modem.init.step_failed').map((l) => l['at'])).toEqual(['AT+NOSUCHCOMMAND']);
  });

  it('counts the SMSC octet in AT+CMGS when the profile says the firmware does', async () => {
    const { driver, sent } = await rig({ profile: SIM_PROFILE });
    await driver.init();
    await driver.sendPdu('0100', 2);
    expect(sent()).toContain('AT+CMGS=3');
  });

  it('uses the generic modem when no shipped profile matches the identity', async () => {
    const { driver, sent } = await rig({ profiles: loadModemProfiles() as unknown as Profile[] });
    await driver.init();
    expect(driver.profile.name).toBe('generic');
    expect(sent()).not.toContain('AT+CSCS="GSM"');
  });

  it('refuses a route whose profile: names no shipped profile, listing the ones there are', () => {
    const route = { name: 'gsm1', transport: 'modem' as const, path: '/dev/ttyUSB9', baud: 115200, profile: 'nokia-3310' };
    expect(() => createTransport(route, createLogger({ level: 'silent' }))).toThrow(/route gsm1: profile "nokia-3310" is not one of .*quectel-ec25/);
  });
});
