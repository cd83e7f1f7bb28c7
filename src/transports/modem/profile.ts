/*
 * profile.ts - per-model modem quirks as data: the typed profile, detection from the identity
 * replies, and the merge with the defaults.
 *
 * Promise: pure (no file, port or clock). A profile says what a modem family needs (extra init
 * commands, longer timeouts, flags such as "no +CDS"); the driver tests the flags, never a model
 * name (STYLE 3; Kannel `doc/examples/modems.conf` keeps the same facts as data). The YAML files
 * live in hardware/profiles/ and are parsed in src/config/modem-profile.ts. A profile may also
 * carry the maker's +CMS ERROR meanings for codes 512 and up (`cmsErrors`, cms-errors.ts).
 */
import type { VendorCmsError, VendorCmsErrors } from './cms-errors.js';

/** What a quirk flag changes; every flag defaults to false (the standard TS 27.005 behaviour). */
export interface ProfileFlags {
  /** Send AT+CSCS="GSM" at init: a modem left in "UCS2" answers +CSCA?/+CUSD in UCS-2 hex. */
  readonly needsCscs: boolean;
  /** The modem never delivers +CDS: do not ask for status reports (TP-SRR 0, CNMI <ds> 0). */
  readonly noCds: boolean;
  /** The "> " prompt after AT+CMGS can take seconds; wait timeouts.prompt (SLOW_PROMPT_MS). */
  readonly slowPrompt: boolean;
  /** AT+CMGS=<n> counts the SMSC octets too (against TS 27.005 3.5.1, which excludes them). */
  readonly cmgsCountsSmsc: boolean;
  /** AT+CMMS is missing or answers ERROR: do not send it between segments. */
  readonly noCmms: boolean;
  /** AT+CPIN? answers "+CPIN: READY" with no final OK: take the +CPIN line as the answer. */
  readonly cpinWithoutOk: boolean;
  /**
   * Each +CMT (AT+CNMI <mt>=2) must be acknowledged with AT+CNMA (TS 27.005 §3.4.4, phase 2+
   * service): without it the modem turns +CMT/+CDS routing off and the network sends again.
   */
  readonly cnma: boolean;
}

export interface ProfileTimeouts {
  readonly command?: number;
  readonly prompt?: number;
  readonly submit?: number;
  /** Quiet time after opening the port before the first AT (port not ready yet). */
  readonly startup?: number;
}

export interface UsbId {
  readonly vendor: string;
  readonly product: string;
  /** bInterfaceNumber of the AT port, two hex digits as udev shows it. */
  readonly interface?: string;
}

/** One modem family, as read from hardware/profiles/<name>.yaml. */
export interface Profile {
  readonly name: string;
  readonly description: string;
  /** Case-insensitive regular expressions over the trimmed AT+CGMI / AT+CGMM replies. */
  readonly match: { readonly manufacturer: string; readonly model?: string };
  readonly usb: readonly UsbId[];
  /** Extra AT commands after the standard init (SPEC 9), in order. */
  readonly init: readonly string[];
  /** AT+CNMI parameters replacing the standard "2,1,0,1,0", when the modem rejects those. */
  readonly cnmi?: string;
  /** Non-standard lines the modem sends instead of ERROR (V.25ter 5.7.1), read as ERROR. */
  readonly finalErrors: readonly string[];
  readonly timeouts: ProfileTimeouts;
  readonly flags: ProfileFlags;
  /** The maker's +CMS ERROR codes (512 and up, TS 27.005 §3.2.5), keyed by the code as written. */
  readonly cmsErrors?: Readonly<Record<string, VendorCmsError>>;
}

/** What the driver needs from a profile, every field filled. */
export interface EffectiveProfile {
  readonly name: string;
  readonly init: readonly string[];
  readonly cnmi: string;
  readonly finalErrors: readonly string[];
  readonly timeouts: Required<ProfileTimeouts>;
  readonly flags: ProfileFlags;
  /** Asked before the standard table (cms-errors.ts classifyCms); empty for most modems. */
  readonly cmsErrors: VendorCmsErrors;
}

export const NO_FLAGS: ProfileFlags = {
  needsCscs: false, noCds: false, slowPrompt: false, cmgsCountsSmsc: false, noCmms: false, cpinWithoutOk: false, cnma: false,
};

/** TS 27.005 3.4.1: mode 2 buffers URCs while the link is busy; +CMTI (mt 1) and +CDS (ds 1). */
export const STANDARD_CNMI = '2,1,0,1,0';

/** The driver's own defaults (driver.ts DEFAULT_TIMEOUTS), plus no start-up wait. */
export const DEFAULT_PROFILE_TIMEOUTS: Required<ProfileTimeouts> = { command: 5_000, prompt: 5_000, submit: 60_000, startup: 0 };

/** The prompt wait a slowPrompt modem gets when its profile names no prompt timeout. */
export const SLOW_PROMPT_MS = 20_000;

/**
 * The profile whose regexes match the identity replies. A profile matching manufacturer and model
 * beats one matching the manufacturer only; among equals the first in `profiles` wins.
 */
export function detectProfile(cgmi: string, cgmm: string, profiles: readonly Profile[]): Profile | undefined {
  const manufacturer = identity(cgmi);
  const model = identity(cgmm);
  let best: { profile: Profile; score: number } | undefined;
  for (const profile of profiles) {
    if (!new RegExp(profile.match.manufacturer, 'i').test(manufacturer)) continue;
    if (profile.match.model !== undefined && !new RegExp(profile.match.model, 'i').test(model)) continue;
    const score = profile.match.model === undefined ? 1 : 2;
    if (best === undefined || score > best.score) best = { profile, score };
  }
  return best?.profile;
}

/** The profile named by `profile:` in the config, if any. */
export function findProfile(name: string, profiles: readonly Profile[]): Profile | undefined {
  return profiles.find((p) => p.name === name);
}

/** Fills what the profile leaves out from the defaults; no profile gives the standard modem. */
export function effectiveProfile(profile: Profile | undefined): EffectiveProfile {
  if (profile === undefined) {
    return { name: 'generic', init: [], cnmi: STANDARD_CNMI, finalErrors: [], timeouts: DEFAULT_PROFILE_TIMEOUTS, flags: NO_FLAGS, cmsErrors: new Map() };
  }
  const prompt = profile.timeouts.prompt ?? (profile.flags.slowPrompt ? SLOW_PROMPT_MS : DEFAULT_PROFILE_TIMEOUTS.prompt);
  return {
    name: profile.name,
    init: profile.init,
    cnmi: profile.cnmi ?? (profile.flags.noCds ? STANDARD_CNMI.replace(/,1,0$/, ',0,0') : STANDARD_CNMI),
    finalErrors: profile.finalErrors,
    timeouts: { ...DEFAULT_PROFILE_TIMEOUTS, ...profile.timeouts, prompt },
    flags: profile.flags,
    cmsErrors: new Map(Object.entries(profile.cmsErrors ?? {}).map(([code, meaning]) => [Number(code), meaning])),
  };
}

/**
 * The identity text of an AT+CGMI/AT+CGMM answer: the information lines without an echoed
 * command, blank lines or the final result, trimmed (Wavecom answers " WAVECOM MODEM").
 */
export function identity(reply: string): string {
  return reply
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'OK' && !/^AT\+?CGM[IM]$/i.test(l))
    .join(' ');
}
