import { describe, expect, it } from 'vitest';
import { dropFinal, endsWithFinal, slowness } from '../../../src/transports/sim/faults.js';
import { SimDevice, type SimOutput } from '../../../src/transports/sim/device.js';

function answers(device: SimDevice): SimOutput[] {
  const out: SimOutput[] = [];
  device.onOutput((o) => out.push(o));
  return out;
}
const text = (out: readonly SimOutput[]) => out.map((o) => Buffer.from(o.bytes).toString('latin1')).join('');

describe('simulated modem faults', () => {
  it.each([
    ['\r\nOK\r\n', true],
    ['\r\n+CSQ: 20,99\r\n\r\nOK\r\n', true],
    ['\r\n+CMS ERROR: 331\r\n', true],
    ['\r\n+CME ERROR: 16\r\n', true],
    ['\r\n> ', false],
    ['\r\n+CMTI: "SM",1\r\n', false],
  ])('tells whether %j ends with a final result code', (answer, expected) => {
    expect(endsWithFinal(answer)).toBe(expected);
  });

  it('drops the final result code and keeps the information lines before it', () => {
    expect(dropFinal('\r\n+CMGS: 4\r\n\r\nOK\r\n')).toBe('\r\n+CMGS: 4\r\n');
  });

  it('adds the delay of every slow fault and none without one', () => {
    expect(slowness(['slow:40', 'no-prompt', 'slow:10'])).toBe(50);
    expect(slowness(['hang-after-prompt'])).toBe(0);
  });

  it('drop-reply swallows one final result, then the device answers as before', () => {
    const device = new SimDevice({ faults: ['drop-reply'] });
    const out = answers(device);
    device.write('ATE0\r');
    device.write('AT\r');
    expect(text(out)).toBe('ATE0\r\r\nOK\r\n');
    expect(device.faults()).toEqual([]);
  });

  it('slow:<ms> delays every answer until cleared', () => {
    const device = new SimDevice({ latencyMs: 5, faults: ['slow:100'] });
    const out = answers(device);
    device.write('ATE0\r');
    device.clearFault('slow:100');
    device.write('AT\r');
    expect(out.filter((o) => text([o]).includes('OK')).map((o) => o.delayMs)).toEqual([105, 5]);
  });

  it('a SIM blocked behind its PUK says so and refuses the PIN', () => {
    const device = new SimDevice({ pin: '1111', pukLocked: true });
    const out = answers(device);
    device.write('ATE0\r');
    device.write('AT+CMEE=1\r');
    device.write('AT+CPIN?\r');
    device.write('AT+CPIN="1111"\r');
    expect(text(out)).toContain('+CPIN: SIM PUK');
    expect(text(out).endsWith('+CME ERROR: 12\r\n')).toBe(true);
  });
});
