/*
 * quirks.ts - the modem-family quirks the simulated modem can act out, named as the profile
 * flags in hardware/profiles are (transports/modem profile.ts), and the pure rules for each.
 *
 * Promise: pure data and pure functions; no clock, no I/O. A device given quirks answers as
 * such firmware does, byte for byte, so the driver's handling of each flag has a test against
 * the thing it works around (and a driver without the flag can be shown to fail):
 *
 * - needsCscs: the TE character set (TS 27.007 §5.5) starts as `charset` (default "UCS2")
 *   until AT+CSCS= sets another, and +CSCA? answers the SMSC in it: UCS2 gives four hex digits
 *   per character, quoted, as Gammu's capture tests/at-smsc/05.dump shows; IRA answers as GSM
 *   does for digits and '+'.
 * - noCds: no +CDS or +CDSI ever, whatever TP-SRR and AT+CNMI <ds> say.
 * - slowPrompt: the "> " after AT+CMGS comes `promptDelayMs` late (default SLOW_PROMPT_DELAY_MS).
 * - cmgsCountsSmsc: AT+CMGS=<n> is taken as counting the SMSC field too, so the octets typed
 *   after the prompt (SMSC field + TPDU) must be <n>; with the standard <n> (TPDU only, TS 27.005
 *   §3.5.1) there is one octet too many and the answer after Ctrl-Z is +CMS ERROR: 304 (invalid
 *   PDU mode parameter), the same check the standard device makes. No capture of such firmware
 *   is known to us; refusing after Ctrl-Z (rather than waiting for more octets) follows from the
 *   PDU being longer than announced, never shorter.
 * - noCmms: AT+CMMS (TS 27.005 §3.5.6) answers ERROR.
 * - cpinWithoutOk: AT+CPIN? answers its +CPIN: line and no final result (python-gsmmodem
 *   fakemodems.py WavecomMultiband900E1800, locked and unlocked alike).
 * - cnma: each +CMT waits for AT+CNMA; none in time and +CMT/+CDS routing goes off (AT+CNMI
 *   <mt>, <ds> 0) while the network sends the SMS again, which is then stored unannounced
 *   (TS 27.005 §3.4.4; mt-delivery.ts).
 * - finalErrors: an unknown command ends with the first of these lines instead of ERROR or
 *   +CME ERROR (python-gsmmodem fakemodems.py HuaweiE1752: "COMMAND NOT SUPPORT").
 * - cnmi: the only AT+CNMI setting the firmware takes; any other answers +CMS ERROR: 303
 *   (operation not supported, TS 27.005 §3.2.5).
 * - vendorCommands: the family's own commands (its profile's extra init, AT^CURC=0, AT+WIND=0),
 *   answered OK.
 */
import type { Profile } from '../modem/index.js';

/** The profile flags (hardware/profiles/*.yaml `flags:`), by the names the driver tests. */
export type SimQuirkFlags = Profile['flags'];

/** TE character sets the device knows (TS 27.007 §5.5). */
export type SimCharset = 'GSM' | 'IRA' | 'UCS2' | '8859-1' | 'HEX' | 'PCCP437';

export interface SimQuirks extends Partial<SimQuirkFlags> {
  /** needsCscs: the character set at power-on; default "UCS2" (the symptom needsCscs guards against). */
  readonly charset?: SimCharset;
  /** slowPrompt: milliseconds before the "> " prompt; default SLOW_PROMPT_DELAY_MS. */
  readonly promptDelayMs?: number;
  /** Lines the firmware ends an unknown command with instead of ERROR; the first is sent. */
  readonly finalErrors?: readonly string[];
  /** The only AT+CNMI parameters the firmware takes ("2,1,0,2,0"); absent: any valid setting. */
  readonly cnmi?: string;
  /** Commands of the family's own the firmware answers OK (compared without case). */
  readonly vendorCommands?: readonly string[];
}

/**
 * The default prompt delay of a slowPrompt device: past the standard prompt wait (5 s, the
 * driver's DEFAULT_PROFILE_TIMEOUTS.prompt) and well inside the one a slowPrompt profile gets
 * (20 s, SLOW_PROMPT_MS), so only a driver that knows the flag waits long enough.
 */
export const SLOW_PROMPT_DELAY_MS = 8_000;

/** The character set a device with these quirks starts in (and returns to on AT+CFUN=1,1). */
export function initialCharset(quirks: SimQuirks): SimCharset {
  return quirks.charset ?? (quirks.needsCscs ? 'UCS2' : 'GSM');
}

/** Text as the TE character set shows it: UCS2 is four hex digits per UTF-16 unit. */
export function inCharset(text: string, charset: string): string {
  if (charset !== 'UCS2') return text;
  let out = '';
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return out;
}

/** A string argument typed in the TE character set, as text; undefined if it is not valid in it. */
export function fromCharset(arg: string, charset: string): string | undefined {
  if (charset !== 'UCS2') return arg;
  if (!/^([0-9A-Fa-f]{4})+$/.test(arg)) return undefined;
  let out = '';
  for (let i = 0; i < arg.length; i += 4) out += String.fromCharCode(parseInt(arg.slice(i, i + 4), 16));
  return out;
}

/** Whether the PDU typed after the prompt has the length AT+CMGS announced (cmgsCountsSmsc decides what counts). */
export function lengthMatches(quirks: SimQuirks, announced: number, smscHex: string, tpduHex: string): boolean {
  const octets = (quirks.cmgsCountsSmsc ? smscHex.length + tpduHex.length : tpduHex.length) / 2;
  return octets === announced;
}

/** How long the "> " prompt waits beyond the device's latency. */
export function promptDelay(quirks: SimQuirks): number {
  return quirks.slowPrompt ? quirks.promptDelayMs ?? SLOW_PROMPT_DELAY_MS : 0;
}

/** Whether a command line is one of the family's own commands. */
export function isVendorCommand(quirks: SimQuirks, line: string): boolean {
  const upper = line.toUpperCase();
  return (quirks.vendorCommands ?? []).some((c) => c.toUpperCase() === upper);
}
