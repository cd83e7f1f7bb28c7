/*
 * faults.ts - the simulated modem's named faults (STYLE 3, as Jasmin's smsc_simulator names
 * BlackHoleSMSC and ErrorOnSubmitSMSC) and the pure rules that apply them to its answers.
 *
 * Promise: pure; no clock, no I/O. The device (device.ts) asks these functions what a fault
 * does to an answer; a one-shot fault is consumed by the device when it fires.
 *
 * - `cms-error:N`: the next send answers +CMS ERROR: N (TS 27.005 §3.2.5).
 * - `hang-after-prompt`: the next PDU is taken and recorded, no answer ever comes.
 * - `no-prompt`: the next AT+CMGS gets no `> `.
 * - `no-answer`: silent until cleared (a hung modem).
 * - `drop-reply`: the next final result code (OK, ERROR, +CMS/+CME ERROR) is swallowed; the
 *   information lines before it still go out (a line lost on a noisy USB-serial link).
 * - `slow:<ms>`: every answer waits <ms> more, until cleared.
 * - `status-report`, `status-report-stored`, `interleave-urcs`: see device.ts.
 * Unplug is the carrier's (carrier.ts unplug/replug): a device has no USB cable.
 */
export type SimFault =
  | 'hang-after-prompt' | 'no-prompt' | 'no-answer' | 'drop-reply' | 'status-report' | 'status-report-stored' | 'interleave-urcs'
  | `cms-error:${number}` | `slow:${number}`;

const NAMED_FAULTS = ['hang-after-prompt', 'no-prompt', 'no-answer', 'drop-reply', 'status-report', 'status-report-stored', 'interleave-urcs'] as const;

/** A fault by its name as an operator types it (`mail2sms sim --fault NAME`); undefined if none. */
export function parseSimFault(text: string): SimFault | undefined {
  if ((NAMED_FAULTS as readonly string[]).includes(text)) return text as SimFault;
  const m = /^(cms-error|slow):(\d{1,6})$/.exec(text);
  return m ? (`${m[1]}:${Number(m[2])}` as SimFault) : undefined;
}

/** Every fault name, for a usage message. */
export const SIM_FAULT_NAMES: readonly string[] = [...NAMED_FAULTS, 'cms-error:N', 'slow:MS'];

/** A final result code line framed as V.250 §5.7.1 frames it, at the end of an answer. */
const FINAL_AT_END = /\r\n(?:OK|ERROR|\+CM[ES] ERROR: [^\r\n]*)\r\n$/;

/** Whether an answer ends with a final result code (a `> ` prompt or a URC does not). */
export function endsWithFinal(text: string): boolean {
  return FINAL_AT_END.test(text);
}

/** The answer without its final result code (`drop-reply`). */
export function dropFinal(text: string): string {
  return text.replace(FINAL_AT_END, '');
}

/** Extra delay the active `slow:<ms>` faults add to each answer. */
export function slowness(active: readonly SimFault[]): number {
  let extra = 0;
  for (const fault of active) if (fault.startsWith('slow:')) extra += Number(fault.slice('slow:'.length)) || 0;
  return extra;
}
