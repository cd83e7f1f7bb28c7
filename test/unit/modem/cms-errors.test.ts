import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CMS_ERRORS, classifyCms, cmsDiagnostic } from '../../../src/transports/modem/cms-errors.js';

const table = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/modem-at/cms-cme-error-codes.json'), 'utf8')) as {
  cms_error: { code: number; name: string; description: string }[];
};

describe('+CMS ERROR table (TS 27.005 §3.2.5)', () => {
  it.each(table.cms_error)('names code $code as ModemManager does ($name)', (row) => {
    const info = classifyCms(row.code);
    expect(info.name).toBe(row.name);
    expect(info.description).toBe(row.description);
  });

  it.each([
    [330, false, '5.3.5'],
    [331, true, '4.4.0'],
    [332, true, '4.4.1'],
    [500, true, '4.3.0'],
    [301, false, '5.3.0'],
    [302, false, '5.3.0'],
    [304, false, '5.6.0'],
    [305, false, '5.6.0'],
    [310, true, '4.3.0'],
    [316, true, '4.3.0'],
    [0xc3, false, '5.1.3'],
    [0xc0, true, '4.4.5'],
    [1, false, '5.1.1'],
    [42, true, '4.4.5'],
  ] as const)('classifies %i as temporary=%s with status %s', (code, temporary, status) => {
    expect(classifyCms(code)).toMatchObject({ temporary, status });
  });

  it.each([512, 513, 1000, 65535, 200, 400, 77])('treats unlisted code %i as temporary', (code) => {
    const info = classifyCms(code);
    expect(info.temporary).toBe(true);
    expect(info.status.startsWith('4.')).toBe(true);
  });

  it('gives every permanent entry a 5.x.x status and every temporary one a 4.x.x status', () => {
    for (const info of CMS_ERRORS.values()) expect(info.status[0]).toBe(info.temporary ? '4' : '5');
  });

  it('writes the diagnostic with the number and the meaning', () => {
    expect(cmsDiagnostic(332)).toBe('+CMS ERROR: 332 (network timeout)');
    expect(cmsDiagnostic(600)).toBe('+CMS ERROR: 600 (manufacturer specific error)');
  });
});
