/*
 * Modem profiles (SPEC 9: "Per-model quirks live in data files under hardware/"): every shipped
 * file loads and validates, the udev rules name every profile's USB AT port, detection picks the
 * right family from real AT+CGMI/AT+CGMM replies, and the merge fills the driver's defaults.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, loadModemProfiles, parseModemProfile, PROFILES_DIR } from '../../../src/config/index.js';
import {
  detectProfile, effectiveProfile, findProfile, identity, SLOW_PROMPT_MS, STANDARD_CNMI, type Profile,
} from '../../../src/transports/modem/profile.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/modem-at');
const UDEV = resolve(import.meta.dirname, '../../../hardware/udev/99-mail2sms-modem.rules');
const profiles = loadModemProfiles();

interface IdentityCapture { readonly class: string; readonly cgmi: readonly string[]; readonly cgmm: readonly string[] }
const captures = (JSON.parse(readFileSync(`${FIXTURES}/identity-replies.json`, 'utf8')) as { modems: IdentityCapture[] }).modems;
const capture = (cls: string): { cgmi: string; cgmm: string } => {
  const c = captures.find((m) => m.class === cls);
  if (!c) throw new Error(`no capture ${cls}`);
  return { cgmi: c.cgmi.join(''), cgmm: c.cgmm.join('') };
};

describe('shipped modem profiles', () => {
  it('loads one valid profile per family file in hardware/profiles', () => {
    expect(profiles.map((p) => p.name)).toEqual([
      'cinterion-pls8', 'huawei-e3372', 'quectel-ec25', 'sierra-mc73xx', 'simcom-sim7600',
      'simcom-sim800', 'telit-le910', 'ublox-lara', 'wavecom-q24',
    ]);
    expect(PROFILES_DIR.endsWith('hardware/profiles')).toBe(true);
  });

  it('comments every flag that a profile turns on, naming the model and the symptom', () => {
    for (const p of profiles) {
      const text = readFileSync(resolve(PROFILES_DIR, `${p.name}.yaml`), 'utf8').split('\n');
      for (const [flag, on] of Object.entries(p.flags)) {
        if (!on) continue;
        const at = text.findIndex((l) => l.trim().startsWith(`${flag}:`));
        expect(at, `${p.name}: ${flag}`).toBeGreaterThan(0);
        expect(text[at - 1]!.trim().startsWith('#'), `${p.name}: ${flag} has no comment above it`).toBe(true);
      }
    }
  });

  it('has a udev line with the dialout group for every USB AT port a profile lists', () => {
    const rules = readFileSync(UDEV, 'utf8').split('\n').filter((l) => l.startsWith('ATTRS{'));
    for (const p of profiles) {
      for (const usb of p.usb) {
        const line = rules.find((l) => l.includes(`ATTRS{idVendor}=="${usb.vendor}", ATTRS{idProduct}=="${usb.product}"`));
        expect(line, `${p.name} ${usb.vendor}:${usb.product}`).toBeDefined();
        expect(line).toContain(`ENV{ID_USB_INTERFACE_NUM}=="${usb.interface}"`);
        expect(line).toContain(`SYMLINK+="mail2sms-${p.name}"`);
        expect(line).toContain('GROUP="dialout"');
        expect(line).toContain('ENV{ID_MM_DEVICE_IGNORE}="1"');
      }
    }
  });
});

describe('profile files that are wrong', () => {
  const good = 'name: x-modem\ndescription: d\nmatch:\n  manufacturer: "^X"\n';

  it('accepts a minimal profile and fills the defaults', () => {
    const p = parseModemProfile(good, '/p/x-modem.yaml');
    expect(p).toMatchObject({ init: [], usb: [], finalErrors: [], timeouts: {} });
    expect(Object.values(p.flags).every((f) => f === false)).toBe(true);
  });

  it('rejects an unknown flag, naming the file and the key', () => {
    const bad = `${good}flags:\n  needsCSCS: true\n`;
    expect(() => parseModemProfile(bad, '/p/x-modem.yaml')).toThrow(ConfigInvalidError);
    expect(() => parseModemProfile(bad, '/p/x-modem.yaml')).toThrow(/\/p\/x-modem\.yaml:6: flags\.needsCSCS: unknown key/);
  });

  it('rejects a regex that does not compile and an init line that is not an AT command', () => {
    expect(() => parseModemProfile(good.replace('"^X"', '"(X"'), '/p/x-modem.yaml')).toThrow(/match\.manufacturer: not a valid regular expression/);
    expect(() => parseModemProfile(`${good}init: ["ATE0", "reboot"]\n`, '/p/x-modem.yaml')).toThrow(/init\[1\]: an AT command, got "reboot"/);
    expect(() => parseModemProfile(`${good}timeouts:\n  command: [1]\n`, '/p/x-modem.yaml')).toThrow(/:6: timeouts\.command: expected (a )?number/);
  });

  it('rejects a name that differs from the file name', () => {
    expect(() => parseModemProfile(good, '/p/other.yaml')).toThrow(/differs from the file name "other"/);
  });

  it('accepts a cmsErrors table and keeps the codes as written', () => {
    const p = parseModemProfile(`${good}cmsErrors:\n  515: { temporary: true, text: please wait }\n  529: { temporary: false, text: no, status: 5.7.1 }\n`, '/p/x-modem.yaml');
    expect(p.cmsErrors).toEqual({ 515: { temporary: true, text: 'please wait' }, 529: { temporary: false, text: 'no', status: '5.7.1' } });
    expect(parseModemProfile(good, '/p/x-modem.yaml').cmsErrors).toEqual({});
  });

  const problems = (yaml: string): readonly string[] => {
    try {
      parseModemProfile(`${good}${yaml}`, '/p/x-modem.yaml');
    } catch (err) {
      if (err instanceof ConfigInvalidError) return err.problems;
      throw err;
    }
    return [];
  };

  it.each([
    ['a standard code (below 512)', '  331: { temporary: true, text: t }', 'cmsErrors.331: a manufacturer +CMS ERROR code, 512 to 65535'],
    ['a code that is no number', '  abc: { temporary: true, text: t }', 'cmsErrors.abc: a manufacturer +CMS ERROR code'],
    ['a code past 65535', '  70000: { temporary: true, text: t }', 'cmsErrors.70000: a manufacturer +CMS ERROR code'],
    ['temporary that is not true or false', '  515: { temporary: yes, text: t }', 'cmsErrors.515.temporary: expected true or false, got "yes"'],
    ['an entry with no text', '  515: { temporary: true }', 'cmsErrors.515.text: missing key'],
    ['an empty text', "  515: { temporary: true, text: '' }", 'cmsErrors.515.text: must not be empty, got an empty string'],
    ['a key the entry does not know', '  515: { temporary: true, text: t, retry: 3 }', 'cmsErrors.515.retry: unknown key'],
    ['a status that is no RFC 3463 status', '  515: { temporary: true, text: t, status: busy }', 'cmsErrors.515.status: an RFC 3463 status'],
    ['a permanent status on a temporary code', '  515: { temporary: true, text: t, status: 5.3.0 }', 'cmsErrors.515.status: a temporary error has a 4.x.x status'],
    ['a temporary status on a permanent code', '  529: { temporary: false, text: t, status: 4.3.0 }', 'cmsErrors.529.status: a temporary error has a 4.x.x status, a permanent one 5.x.x'],
  ])('rejects a cmsErrors entry with %s, naming the file and the key', (_name, entry, message) => {
    const found = problems(`cmsErrors:\n${entry}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`/p/x-modem.yaml:6: ${message}`);
  });

  it('names every bad cmsErrors entry at once', () => {
    const found = problems('cmsErrors:\n  12: { temporary: true, text: t }\n  600: { temporary: 0, text: t }\n');
    expect([...found].sort()).toEqual([
      expect.stringMatching(/^\/p\/x-modem\.yaml:6: cmsErrors\.12: a manufacturer/),
      expect.stringMatching(/^\/p\/x-modem\.yaml:7: cmsErrors\.600\.temporary: expected true or false, got 0/),
    ]);
  });
});

describe('the makers\' +CMS ERROR tables in the shipped profiles', () => {
  const withTable = profiles.filter((p) => Object.keys(p.cmsErrors).length > 0);

  it('ships tables for the makers whose code lists were found, and none for the others', () => {
    expect(withTable.map((p) => p.name)).toEqual(['cinterion-pls8', 'quectel-ec25', 'simcom-sim800', 'telit-le910', 'wavecom-q24']);
  });

  it('names the source of each table in a comment right above it', () => {
    for (const p of withTable) {
      const text = readFileSync(resolve(PROFILES_DIR, `${p.name}.yaml`), 'utf8').split('\n');
      const at = text.findIndex((l) => l.startsWith('cmsErrors:'));
      const comment = text.slice(0, at).reverse().findIndex((l) => !l.startsWith('#'));
      const block = text.slice(at - (comment < 0 ? at : comment), at).join(' ');
      expect(block, p.name).toMatch(/Source|Sources/);
      expect(block, p.name).toMatch(/§\d/);
    }
  });

  it('takes the profile table first in the merged profile', () => {
    const wavecom = effectiveProfile(findProfile('wavecom-q24', profiles));
    expect(wavecom.cmsErrors.get(515)).toEqual({ temporary: true, text: 'please wait, init or command processing in progress', status: '4.3.0' });
    expect(wavecom.cmsErrors.get(331)).toBeUndefined();
    expect(effectiveProfile(findProfile('huawei-e3372', profiles)).cmsErrors.size).toBe(0);
    expect(effectiveProfile(undefined).cmsErrors.size).toBe(0);
  });

  it('gives 515 each maker\'s own meaning', () => {
    const meaning = (name: string) => effectiveProfile(findProfile(name, profiles)).cmsErrors.get(515)?.text;
    expect(['wavecom-q24', 'quectel-ec25', 'simcom-sim800', 'telit-le910', 'cinterion-pls8'].map(meaning)).toEqual([
      'please wait, init or command processing in progress', 'ME storage failure', 'ME storage failure', 'no response from network', 'invalid character in address string',
    ]);
  });
});

describe('detecting the profile from AT+CGMI and AT+CGMM', () => {
  it('takes the identity text from a reply with echo, blank lines and OK', () => {
    expect(identity(readFileSync(`${FIXTURES}/gammu/at-model/06.dump`, 'utf8'))).toBe('MULTIBAND  900E  1800');
    expect(identity(' WAVECOM MODEM\r\nOK\r\n')).toBe('WAVECOM MODEM');
  });

  it('detects the Wavecom profile from a Wavecom Multiband capture', () => {
    const { cgmi, cgmm } = capture('WavecomMultiband900E1800');
    expect(detectProfile(cgmi, cgmm, profiles)?.name).toBe('wavecom-q24');
  });

  it('detects the Huawei profile from Huawei E1752 and K3715 captures', () => {
    for (const cls of ['HuaweiE1752', 'HuaweiK3715']) {
      const { cgmi, cgmm } = capture(cls);
      expect(detectProfile(cgmi, cgmm, profiles)?.name, cls).toBe('huawei-e3372');
    }
  });

  it('detects no profile for the Qualcomm, ZTE and Nokia captures, leaving the standard modem', () => {
    for (const cls of ['QualcommM6280', 'ZteK3565Z', 'NokiaN79']) {
      const { cgmi, cgmm } = capture(cls);
      expect(detectProfile(cgmi, cgmm, profiles), cls).toBeUndefined();
    }
  });

  it('tells SIM800 from SIM7600 by the model, both being SIMCOM', () => {
    expect(detectProfile('SIMCOM_Ltd\r\nOK', 'SIMCOM_SIM800L\r\nOK', profiles)?.name).toBe('simcom-sim800');
    expect(detectProfile('SIMCOM INCORPORATED\r\nOK', 'SIMCOM_SIM7600E-H\r\nOK', profiles)?.name).toBe('simcom-sim7600');
  });

  it('prefers a manufacturer and model match over a manufacturer-only match', () => {
    const loose: Profile = { ...findProfile('quectel-ec25', profiles)!, name: 'quectel-any', match: { manufacturer: '^Quectel' } };
    expect(detectProfile('Quectel', 'EC25', [loose, ...profiles])?.name).toBe('quectel-ec25');
    expect(detectProfile('Quectel', 'BG96', [loose, ...profiles])?.name).toBe('quectel-any');
  });
});

describe('merging a profile with the defaults', () => {
  it('gives the standard modem when no profile applies', () => {
    const e = effectiveProfile(undefined);
    expect(e).toMatchObject({ name: 'generic', init: [], cnmi: STANDARD_CNMI, finalErrors: [] });
    expect(e.timeouts).toEqual({ command: 5_000, prompt: 5_000, submit: 60_000, startup: 0 });
  });

  it('keeps the profile timeouts and fills the rest', () => {
    const e = effectiveProfile(findProfile('ublox-lara', profiles));
    expect(e.timeouts).toEqual({ command: 5_000, prompt: 5_000, submit: 60_000, startup: 20_000 });
  });

  it('waits longer for the prompt when slowPrompt is set and no prompt timeout is given', () => {
    const base = findProfile('quectel-ec25', profiles)!;
    const slow: Profile = { ...base, flags: { ...base.flags, slowPrompt: true } };
    expect(effectiveProfile(slow).timeouts.prompt).toBe(SLOW_PROMPT_MS);
    expect(effectiveProfile({ ...slow, timeouts: { prompt: 9_000 } }).timeouts.prompt).toBe(9_000);
  });

  it('asks for no status reports in AT+CNMI when noCds is set', () => {
    const base = findProfile('quectel-ec25', profiles)!;
    expect(effectiveProfile({ ...base, flags: { ...base.flags, noCds: true } }).cnmi).toBe('2,1,0,0,0');
    expect(effectiveProfile(base).cnmi).toBe(STANDARD_CNMI);
  });

  it('carries the Huawei extra error line and init command through', () => {
    const e = effectiveProfile(findProfile('huawei-e3372', profiles));
    expect(e.finalErrors).toEqual(['COMMAND NOT SUPPORT']);
    expect(e.init).toEqual(['AT^CURC=0']);
    expect(e.flags.needsCscs).toBe(true);
  });
});
