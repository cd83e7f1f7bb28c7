import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_STATUSES, classifyCommandStatus, commandStatusDiagnostic } from '../../../src/transports/smpp/command-status.js';

const constants = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/smpp/smpp34-constants.json'), 'utf8')) as {
  command_status: { name: string; code: number; message: string }[];
};
// cloudhopper spells ESME_RINVDSTADR as STATUS_INVDSTADR
const smppName = (cloudhopper: string): string => `ESME_R${cloudhopper.replace(/^STATUS_/, '')}`;

describe('command_status table (SMPP 3.4 §5.1.3)', () => {
  it.each(constants.command_status)('names $hex $name and gives it a class', (row) => {
    const info = classifyCommandStatus(row.code);
    expect(info.name).toBe(smppName(row.name));
    expect(['ok', 'throttled', 'temporary', 'permanent']).toContain(info.class);
    expect(COMMAND_STATUSES.has(row.code)).toBe(true);
  });

  it('lists no code that cloudhopper-smpp does not know', () => {
    const known = new Set(constants.command_status.map((row) => row.code));
    expect([...COMMAND_STATUSES.keys()].filter((code) => !known.has(code))).toEqual([]);
  });

  it('gives ok 2.x.x, temporary and throttled 4.x.x, permanent 5.x.x statuses', () => {
    for (const info of COMMAND_STATUSES.values()) {
      expect(info.status[0], info.name).toBe({ ok: '2', throttled: '4', temporary: '4', permanent: '5' }[info.class]);
      expect(info.temporary, info.name).toBe(info.class === 'throttled' || info.class === 'temporary');
    }
  });

  it.each([
    [0x00, 'ok', '2.0.0'],
    [0x58, 'throttled', '4.4.5'],
    [0x14, 'throttled', '4.3.1'],
    [0x08, 'temporary', '4.3.0'],
    [0x45, 'temporary', '4.3.0'],
    [0x0b, 'permanent', '5.1.1'],
    [0x0a, 'permanent', '5.7.1'],
    [0x48, 'permanent', '5.7.1'],
    [0x50, 'permanent', '5.1.3'],
    [0x01, 'permanent', '5.6.0'],
    [0x104, 'permanent', '5.6.1'],
    [0x62, 'permanent', '5.5.4'],
    [0x0e, 'temporary', '4.3.5'],
    [0xc1, 'temporary', '4.3.5'],
  ] as const)('classifies 0x%s as %s with %s', (code, cls, status) => {
    expect(classifyCommandStatus(code)).toMatchObject({ class: cls, status });
  });

  it.each([
    [0x400, 'VENDOR'],
    [0x4ff, 'VENDOR'],
    [0x09, 'RESERVED'],
    [0x1000, 'RESERVED'],
    [0xffffffff, 'RESERVED'],
  ] as const)('takes the unlisted value %i as temporary (%s)', (code, name) => {
    expect(classifyCommandStatus(code)).toMatchObject({ code, name, class: 'temporary', temporary: true, status: '4.3.0' });
  });

  it('writes the diagnostic with the SMPP name, the value in hex and the meaning', () => {
    expect(commandStatusDiagnostic(0x0b)).toBe('ESME_RINVDSTADR (0x0000000B): Invalid Dest Addr');
    expect(commandStatusDiagnostic(0x58)).toBe('ESME_RTHROTTLED (0x00000058): Throttling error (ESME has exceeded allowed message limits)');
    expect(commandStatusDiagnostic(0x401)).toBe('VENDOR (0x00000401): SMSC vendor specific error');
  });
});
