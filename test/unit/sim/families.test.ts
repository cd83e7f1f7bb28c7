/*
 * The simulated modem passing for each shipped modem family (transports/sim/families.ts): an
 * identity the driver's detection takes for that profile, and the profile's quirks as options.
 */
import { describe, expect, it } from 'vitest';
import { loadModemProfiles } from '../../../src/config/index.js';
import { detectProfile, identity, type Profile } from '../../../src/transports/modem/profile.js';
import { SimDevice } from '../../../src/transports/sim/device.js';
import { SIM_FAMILIES, simQuirksOf } from '../../../src/transports/sim/families.js';

const profiles = loadModemProfiles() as unknown as Profile[];
const byName = (name: string): Profile => profiles.find((p) => p.name === name)!;

/** What the device answers to one command, after ATE0. */
function ask(device: SimDevice, command: string): string {
  let out = '';
  device.write('ATE0\r');
  device.onOutput((o) => (out += Buffer.from(o.bytes).toString('latin1')));
  device.write(`${command}\r`);
  return out;
}

describe('shipped modem families in the simulator', () => {
  it('knows every shipped profile and no other', () => {
    expect(Object.keys(SIM_FAMILIES).sort()).toEqual(profiles.map((p) => p.name).sort());
  });

  it.each(profiles.map((p) => [p.name]))('answers AT+CGMI/AT+CGMM so that detection picks %s', (name) => {
    const device = new SimDevice(simQuirksOf(byName(name)));
    const maker = identity(ask(device, 'AT+CGMI'));
    const model = identity(ask(device, 'AT+CGMM'));
    expect(detectProfile(maker, model, profiles)?.name).toBe(name);
  });

  it('answers the identity lines as captured, leading spaces and all (Wavecom, python-gsmmodem fakemodems.py)', () => {
    const device = new SimDevice(simQuirksOf(byName('wavecom-q24')));
    expect(ask(device, 'AT+CGMI')).toBe('\r\n WAVECOM MODEM\r\n\r\nOK\r\n');
    expect(ask(device, 'AT+CGMM')).toBe('\r\n MULTIBAND  900E  1800\r\n\r\nOK\r\n');
    expect(ask(new SimDevice(simQuirksOf(byName('huawei-e3372'))), 'AT+CGMR')).toBe('\r\n11.126.13.00.00\r\n\r\nOK\r\n');
  });

  it('turns the Huawei profile into UCS2 at start, COMMAND NOT SUPPORT and AT^CURC=0 known', () => {
    expect(simQuirksOf(byName('huawei-e3372'))).toEqual({
      identity: { manufacturer: 'huawei', model: 'E1752', revision: '11.126.13.00.00' },
      quirks: {
        needsCscs: true, noCds: false, slowPrompt: false, cmgsCountsSmsc: false, noCmms: false, cpinWithoutOk: false, cnma: false,
        charset: 'UCS2', finalErrors: ['COMMAND NOT SUPPORT'], vendorCommands: ['AT^CURC=0'],
      },
    });
  });

  it('turns the Wavecom profile into +CPIN? without OK and AT+WIND=0 known', () => {
    const device = new SimDevice(simQuirksOf(byName('wavecom-q24')));
    expect(ask(device, 'AT+CPIN?')).toBe('\r\n+CPIN: READY\r\n');
    expect(ask(device, 'AT+WIND=0')).toBe('\r\nOK\r\n');
  });

  it('passes a profile cnmi setting through, and keeps its own identity for a profile it does not know', () => {
    const made = { ...byName('quectel-ec25'), name: 'acme-x1', cnmi: '2,1,0,2,0' };
    expect(simQuirksOf(made)).toEqual({ quirks: { ...made.flags, cnmi: '2,1,0,2,0' } });
  });
});
