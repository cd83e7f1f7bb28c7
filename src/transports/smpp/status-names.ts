/*
 * status-names.ts - the SMPP 3.4 name of a command_status (§5.1.3), for logs, health and errors.
 *
 * Names come from the `smpp` package's table; a value it does not name is shown as hex.
 * What a status means for the queue (temporary, permanent, throttled) is command-status.ts's job.
 */
import smpp from 'smpp';

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(smpp.errors).map(([name, value]) => [value, name]));

/** `ESME_RINVPASWD` for 0x0E; `0x00000401` for a value SMPP 3.4 does not name. */
export function statusName(commandStatus: number): string {
  return NAMES.get(commandStatus) ?? `0x${commandStatus.toString(16).padStart(8, '0')}`;
}

/** The value of a named command_status, e.g. `ESME_RTHROTTLED` → 0x58. */
export function statusValue(name: string): number {
  const value = smpp.errors[name];
  if (value === undefined) throw new RangeError(`unknown SMPP command_status name ${name}`);
  return value;
}
