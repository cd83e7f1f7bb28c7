/*
 * `mail2sms sim` options (cli/commands/sim.ts): --profile makes the device pass for a shipped
 * family, next to --fault; a name that is no shipped profile is a usage error (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { parseSimArgs } from '../../../src/cli/commands/sim.js';
import { SimDevice } from '../../../src/transports/sim/index.js';

function ask(device: SimDevice, command: string): string {
  let out = '';
  const off = device.onOutput((o) => (out += Buffer.from(o.bytes).toString('latin1')));
  device.write(`${command}\r`);
  off();
  return out;
}

describe('mail2sms sim --profile', () => {
  it('gives the device the family identity and quirks, and keeps --fault and --pin', () => {
    const args = parseSimArgs(['--pty', '--profile', 'wavecom-q24', '--fault', 'status-report', '--pin', '1234']);
    expect(args.device).toMatchObject({ faults: ['status-report'], pin: '1234', quirks: { cpinWithoutOk: true } });
    const device = new SimDevice(args.device);
    ask(device, 'ATE0');
    expect(ask(device, 'AT+CGMI')).toBe('\r\n WAVECOM MODEM\r\n\r\nOK\r\n');
    expect(ask(device, 'AT+CPIN?')).toBe('\r\n+CPIN: SIM PIN\r\n');
  });

  it('leaves the device standard without --profile', () => {
    const args = parseSimArgs(['--pty']);
    expect(args.device.quirks).toBeUndefined();
    expect(args.device.identity).toBeUndefined();
  });

  it('refuses a name that is no shipped profile, listing the ones there are', () => {
    expect(() => parseSimArgs(['--profile', 'nokia-3310'])).toThrow(
      expect.objectContaining({ code: 'M2S_USAGE', message: expect.stringMatching(/^sim: --profile "nokia-3310" is not one of cinterion-pls8, huawei-e3372, .*wavecom-q24$/) }),
    );
  });

  it('still refuses an unknown fault by name', () => {
    expect(() => parseSimArgs(['--profile', 'huawei-e3372', '--fault', 'melt'])).toThrow(/--fault "melt" is not one of/);
  });
});
