import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CMS_ERRORS, classifyCms, cmsDiagnostic, type VendorCmsErrors } from '../../../src/transports/modem/cms-errors.js';

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

describe('a modem profile\'s own +CMS ERROR table (codes 512 and up, TS 27.005 §3.2.5)', () => {
  const wavecom: VendorCmsErrors = new Map([
    [515, { temporary: true, text: 'please wait, init or command processing in progress' }],
    [531, { temporary: false, text: 'SMS not sent: the destination is not in the FDN phonebook', status: '5.7.1' }],
    [600, { temporary: false, text: 'refused by the maker' }],
  ]);

  it('is asked first and names the maker\'s meaning in the diagnostic', () => {
    expect(classifyCms(515, wavecom)).toEqual({ code: 515, name: 'VENDOR', description: 'please wait, init or command processing in progress', temporary: true, status: '4.3.0', vendor: true });
    expect(cmsDiagnostic(515, wavecom)).toBe('+CMS ERROR: 515 (please wait, init or command processing in progress)');
  });

  it('keeps the maker\'s words as written (acronyms stay upper case)', () => {
    expect(cmsDiagnostic(531, wavecom)).toBe('+CMS ERROR: 531 (SMS not sent: the destination is not in the FDN phonebook)');
  });

  it('takes the entry\'s status, else 4.3.0 when temporary and 5.3.0 when not', () => {
    expect(classifyCms(531, wavecom)).toMatchObject({ temporary: false, status: '5.7.1' });
    expect(classifyCms(600, wavecom)).toMatchObject({ temporary: false, status: '5.3.0' });
  });

  it('falls back to the standard table and the range rules for codes it does not list', () => {
    expect(classifyCms(332, wavecom)).toEqual(classifyCms(332));
    expect(classifyCms(516, wavecom)).toMatchObject({ name: 'VENDOR', description: 'Manufacturer specific error.', temporary: true, status: '4.3.0' });
    expect(classifyCms(516, wavecom).vendor).toBeUndefined();
    expect(cmsDiagnostic(516, wavecom)).toBe('+CMS ERROR: 516 (manufacturer specific error)');
  });

  it('changes nothing without a table, or with an empty one', () => {
    expect(classifyCms(515, new Map())).toEqual(classifyCms(515));
    expect(cmsDiagnostic(515)).toBe('+CMS ERROR: 515 (manufacturer specific error)');
  });
});
