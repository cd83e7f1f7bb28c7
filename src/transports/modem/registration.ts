/*
 * registration.ts - the modem's network registration as the driver hears it: the circuit-
 * switched <stat> of +CREG (TS 27.007 §7.2) and the EPS (LTE) <stat> of +CEREG (§10.1.22), from
 * read answers and URCs alike; whether that is registered; the words for a <stat>; and what a
 * change asks of the modem transport (SPEC 9: lost registration, recovered without a restart).
 *
 * Promise: pure; no clock, port or logger.
 *
 * A modem counts as registered when a domain it told us about says registered (1 home, 5 roaming,
 * and the SMS-only and CSFB variants): an LTE-only modem answers +CREG: 0 while +CEREG says 1,
 * and a 2G modem knows no +CEREG. ModemManager consolidates the domains the same way. A domain
 * never heard from does not count, so a lone `+CREG: 2` from a modem whose +CEREG was never read
 * means not registered. Limit: +CGREG (GPRS) and +C5GREG are not followed; SMS goes over CS or
 * EPS NAS (SGs) on the modems this gateway drives.
 */
import { isRegistered } from './at-replies.js';

export type RegistrationDomain = 'cs' | 'eps';

/** The last <stat> heard per domain; absent when the modem never said. */
export interface NetworkState {
  readonly cs?: number;
  readonly eps?: number;
}

/** The domain a registration line speaks for: +CREG circuit-switched, +CEREG EPS. */
export function domainOf(name: string): RegistrationDomain | undefined {
  if (name === '+CREG') return 'cs';
  if (name === '+CEREG') return 'eps';
  return undefined;
}

/**
 * The state with one domain's <stat> as the modem just gave it; undefined (a read answered
 * without a <stat>, or ERROR) forgets the domain, so a stale "registered" cannot outlive it.
 */
export function withStat(state: NetworkState, domain: RegistrationDomain, stat: number | undefined): NetworkState {
  if (stat !== undefined) return { ...state, [domain]: stat };
  const { [domain]: _forgotten, ...rest } = state;
  return rest;
}

export function isNetworkRegistered(state: NetworkState): boolean {
  return isRegistered(state.cs) || isRegistered(state.eps);
}

/**
 * The one <stat> to report: a registered domain's; else the most telling of the others, denied
 * (3) before searching (2) before whatever circuit-switched says.
 */
export function networkStat(state: NetworkState): number | undefined {
  const { cs, eps } = state;
  if (isRegistered(cs)) return cs;
  if (isRegistered(eps)) return eps;
  for (const telling of [3, 2]) if (cs === telling || eps === telling) return telling;
  return cs ?? eps;
}

/** <stat> of +CREG / +CGREG / +CEREG (TS 27.007 §7.2, §10.1.19, §10.1.22) as words. */
export const REGISTRATION_WORDS: Readonly<Record<number, string>> = {
  0: 'not registered, not searching',
  1: 'registered, home network',
  2: 'not registered, searching',
  3: 'registration denied',
  4: 'unknown',
  5: 'registered, roaming',
  6: 'registered for SMS only, home network',
  7: 'registered for SMS only, roaming',
  8: 'attached for emergency bearer services only',
  9: 'registered for CSFB not preferred, home network',
  10: 'registered for CSFB not preferred, roaming',
};

export function registrationWord(stat: number): string {
  return REGISTRATION_WORDS[stat] ?? `stat ${stat}`;
}

/** `stat 3: registration denied`, or `no +CREG/+CEREG answer`. */
export function describeStat(stat: number | undefined): string {
  return stat === undefined ? 'no +CREG/+CEREG answer' : `stat ${stat}: ${registrationWord(stat)}`;
}

/**
 * What a registration change asks of the transport in `route` state: a ready route that hears
 * "not registered" (0, 2, 3, 4…) loses the network; a route waiting in no-network that hears
 * "registered" has it back; a new not-registered <stat> while waiting (searching, then denied)
 * is said. Searching (2) counts as lost even when it flaps for a second: a send then fails with
 * +CMS ERROR: 331 anyway, and the next registered URC or poll ends the wait.
 */
export type NetworkChange = 'lost' | 'restored' | 'changed' | 'none';

export function judgeNetwork(route: string, registered: boolean, stat: number | undefined, previous: number | undefined): NetworkChange {
  if (route === 'ready') return registered ? 'none' : 'lost';
  if (route !== 'no-network') return 'none';
  if (registered) return 'restored';
  return stat !== previous ? 'changed' : 'none';
}
