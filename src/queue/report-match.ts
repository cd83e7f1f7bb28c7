/*
 * report-match.ts - which sent segment a status report names (SPEC 8): the same route, the same
 * message reference, the same destination, sent recently enough.
 *
 * Pure. TP-MR is one octet (TS 23.040 §9.2.3.6) and wraps at 256, so a reference alone names
 * many segments over time: the route (each modem counts its own references), the recipient and
 * a window of a few days narrow it to one, and of what is left the newest send wins.
 */

/** How far back a report may name a send: SCs keep trying for the validity period, often 1-3 days. */
export const REPORT_WINDOW_MS = 4 * 24 * 3600_000;

/** Shortest national number trusted to match by its tail (a subscriber number, TS 23.040 §9.1.2.5). */
const MIN_TAIL_DIGITS = 6;

/**
 * Whether the TP-RA of a report is our destination. `destination` is E.164 ('+' and digits).
 * An international TP-RA must be the same number. A national or unknown-type one (0x81, 0xA1)
 * is the number as the network dials it: leading zeros (trunk prefix) dropped, it must end our
 * destination and keep at least six digits. An empty TP-RA matches any destination (some SCs
 * leave it out; the route and reference still have to match).
 */
export function sameRecipient(destination: string, reported: string): boolean {
  const ours = destination.replace(/^\+/, '');
  if (reported === '') return true;
  if (reported.startsWith('+')) return reported.slice(1) === ours;
  const tail = reported.replace(/^0+/, '');
  if (!/^\d+$/.test(tail) || tail.length < MIN_TAIL_DIGITS) return reported === ours;
  return ours.endsWith(tail);
}
