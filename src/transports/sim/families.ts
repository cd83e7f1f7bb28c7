/*
 * families.ts - how the simulated modem passes for one of the shipped modem families
 * (hardware/profiles/*.yaml): the identity it answers AT+CGMI/AT+CGMM/AT+CGMR with, and the
 * quirks of the family's profile as device options (quirks.ts).
 *
 * Promise: pure. simQuirksOf(profile) gives the SimDevice options that make a device detected as
 * that profile by the driver (its regexes match the identity) and behave as its flags say, so
 * the CLI (`mail2sms sim --profile NAME`) and the tests share one mapping. A profile the table
 * below does not know keeps the simulator's own identity (and is then not detected as itself).
 *
 * Identities: captured from real modems where a capture is known to us, else in the form the
 * vendor's AT manual gives (marked so). Captures:
 * - Wavecom: AT+CGMI " WAVECOM MODEM", AT+CGMM " MULTIBAND  900E  1800" (leading space kept;
 *   python-gsmmodem test/fakemodems.py WavecomMultiband900E1800, Gammu tests/at-model/01.dump);
 *   AT+CGMR "641b09gg.Q2406B 1339080 041604 16:04" (a Q2406B in gammu issue #218).
 * - Huawei: "huawei" / "E1752" / "11.126.13.00.00" (python-gsmmodem fakemodems.py HuaweiE1752).
 * - SIMCom SIM7600: "SIMCOM INCORPORATED" / "SIMCOM_SIM7600G-H" / "LE20B03SIM7600M22"
 *   (Xinyuan-LilyGO/LilyGo-Modem-Series issue #380).
 * - SIMCom SIM800: AT+CGMI "SIMCOM_Ltd" (a SIM800C in python-gsmmodem issue #64); the firmware
 *   name 1418B04SIM800L24 (serialport-gsm issue #66) in the manual's "Revision:" form.
 * - Sierra MC73xx: revision "SWI9X15C_05.05.58.00 r27038 carmd-fwbuild1 2015/03/04 21:30:23"
 *   (the generic MC73xx release, bkerler/SierraWirelessGen issue #6).
 * Character sets: SIM800 starts in "IRA" (SIM800 Series AT Command Manual, AT+CSCS default);
 * Huawei sticks are found in "UCS2", left so by the vendor's dashboard (hardware/profiles
 * huawei-e3372.yaml).
 */
import type { SimIdentity } from './device.js';
import type { SimCharset, SimQuirks, SimQuirkFlags } from './quirks.js';

/** What simQuirksOf reads from a profile: the shape of `Profile` (transports/modem) and of a loaded YAML file alike. */
export interface SimProfileInput {
  readonly name: string;
  readonly init: readonly string[];
  readonly cnmi?: string | undefined;
  readonly finalErrors: readonly string[];
  readonly flags: SimQuirkFlags;
}

export interface SimFamily {
  readonly identity: Pick<SimIdentity, 'manufacturer' | 'model' | 'revision'>;
  /** needsCscs: the character set the family starts in. */
  readonly charset?: SimCharset;
}

/** One entry per shipped profile, by profile name (test/unit/sim/families.test.ts keeps them in step). */
export const SIM_FAMILIES: Readonly<Record<string, SimFamily>> = {
  'cinterion-pls8': { identity: { manufacturer: 'Cinterion', model: 'PLS8-E', revision: 'REVISION 03.017' } }, // manual form
  'huawei-e3372': { identity: { manufacturer: 'huawei', model: 'E1752', revision: '11.126.13.00.00' }, charset: 'UCS2' },
  'quectel-ec25': { identity: { manufacturer: 'Quectel', model: 'EC25', revision: 'EC25EFAR06A06M4G' } }, // manual form
  'sierra-mc73xx': { identity: { manufacturer: 'Sierra Wireless, Incorporated', model: 'MC7304', revision: 'SWI9X15C_05.05.58.00 r27038 carmd-fwbuild1 2015/03/04 21:30:23' } },
  'simcom-sim7600': { identity: { manufacturer: 'SIMCOM INCORPORATED', model: 'SIMCOM_SIM7600G-H', revision: 'LE20B03SIM7600M22' } },
  'simcom-sim800': { identity: { manufacturer: 'SIMCOM_Ltd', model: 'SIMCOM_SIM800L', revision: 'Revision:1418B04SIM800L24' }, charset: 'IRA' },
  'telit-le910': { identity: { manufacturer: 'Telit', model: 'LE910C1-EU', revision: '25.20.676' } }, // manual form
  'ublox-lara': { identity: { manufacturer: 'u-blox', model: 'LARA-R211', revision: '30.31' } }, // manual form
  'wavecom-q24': { identity: { manufacturer: ' WAVECOM MODEM', model: ' MULTIBAND  900E  1800', revision: '641b09gg.Q2406B 1339080 041604 16:04' } },
};

/** The device options (identity, quirks) that make a simulated modem pass for `profile`'s family. */
export function simQuirksOf(profile: SimProfileInput): { readonly identity?: Partial<SimIdentity>; readonly quirks: SimQuirks } {
  const family = SIM_FAMILIES[profile.name];
  const quirks: SimQuirks = {
    ...profile.flags,
    ...(family?.charset ? { charset: family.charset } : {}),
    ...(profile.finalErrors.length > 0 ? { finalErrors: profile.finalErrors } : {}),
    ...(profile.cnmi !== undefined ? { cnmi: profile.cnmi } : {}),
    ...(profile.init.length > 0 ? { vendorCommands: profile.init } : {}),
  };
  return family ? { identity: family.identity, quirks } : { quirks };
}
