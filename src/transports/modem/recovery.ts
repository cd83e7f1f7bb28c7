/*
 * recovery.ts - how the modem transport gets a modem back without a restart (SPEC 9): the
 * recovery ladder, the reading of a send's result, and the reopen backoff.
 *
 * Promise: judgeSend() and nextBackoff() are pure. climbLadder() runs the steps it is given in
 * order, stops at the first that works or when told to, and logs each one once as
 * `modem.recovery` with the route, the step, the qid/seg that triggered it and the outcome.
 *
 * The ladder, gentlest first (Gammu's ATGEN_Reset, smstools3's modem re-init and ModemManager's
 * port reopen do the same things, each alone):
 * 1. sync: ESC (leaves PDU entry, TS 27.005 §3.5.1) and one `AT` answered OK;
 * 2. reinit: the whole init sequence again (echo, CMEE, PIN, CMGF, CNMI, registration);
 * 3. reset: AT+CFUN=1,1 (TS 27.007 §8.2), a wait while the modem restarts (a USB modem's port
 *    vanishes meanwhile), then init on the same or a reopened port;
 * 4. reopen: close the port, open it again, init.
 */
import { reasonOf, type Logger } from '../../log/index.js';
import type { SendPduResult } from './driver.js';

export type RecoveryStep = 'sync' | 'reinit' | 'reset' | 'reopen';

export const RECOVERY_LADDER: readonly RecoveryStep[] = ['sync', 'reinit', 'reset', 'reopen'];

export interface RecoveryTimings {
  /** Consecutive sends with no prompt before the ladder is climbed (an unanswered PDU: at once). */
  readonly timeoutsBeforeRecovery: number;
  /** Wait after AT+CFUN=1,1 before init; modems take 5-20 s to come back. */
  readonly resetWait: number;
  /** Reopen backoff after an unplug: first wait, doubling up to the last. */
  readonly reopenInitial: number;
  readonly reopenMax: number;
  /** How often registration is read while the modem has no network. */
  readonly networkPoll: number;
}

export const DEFAULT_RECOVERY: RecoveryTimings = {
  timeoutsBeforeRecovery: 2, resetWait: 10_000, reopenInitial: 1_000, reopenMax: 30_000, networkPoll: 5_000,
};

/** What a send's result asks of the transport, and the new count of consecutive timeouts. */
export interface AfterSend {
  readonly action: 'none' | 'recover' | 'no-network';
  readonly timeouts: number;
}

/** +CMS ERROR 331 "no network service" (TS 27.005 §3.2.5): wait for registration, burn no retries. */
const CMS_NO_NETWORK = 331;

export function judgeSend(result: SendPduResult, timeouts: number, threshold: number): AfterSend {
  if (result.kind === 'sent') return { action: 'none', timeouts: 0 };
  if (result.kind === 'failed' && result.cms === CMS_NO_NETWORK) return { action: 'no-network', timeouts: 0 };
  // Not silent: the modem answered (a +CMS ERROR), or the port closed (the unplug path's job).
  if (!result.silent) return { action: 'none', timeouts: result.kind === 'failed' ? 0 : timeouts };
  // The PDU went out and nothing came back: the modem is hung now, not maybe.
  if (result.kind === 'unknown') return { action: 'recover', timeouts: 0 };
  const count = timeouts + 1;
  return count >= threshold ? { action: 'recover', timeouts: 0 } : { action: 'none', timeouts: count };
}

/** The next reopen wait: `initial` first, then doubling, never past `max`. */
export function nextBackoff(previous: number | undefined, timings: Pick<RecoveryTimings, 'reopenInitial' | 'reopenMax'>): number {
  return previous === undefined ? timings.reopenInitial : Math.min(previous * 2, timings.reopenMax);
}

export interface RecoveryTrigger {
  readonly qid?: string;
  readonly seg?: string;
  /** What made the transport climb: the send's diagnostic. */
  readonly reason: string;
}

export interface LadderOptions {
  readonly log: Logger;
  readonly route: string;
  readonly trigger: RecoveryTrigger;
  /** Runs one step; rejects when it did not bring the modem back. */
  readonly attempt: (step: RecoveryStep) => Promise<void>;
  /** Told before each step, e.g. to say it in health(). */
  readonly onStep: (step: RecoveryStep, index: number) => void;
  /** True when climbing must stop (transport stopping, SIM locked). */
  readonly cancelled: () => boolean;
}

/** Climbs the ladder; resolves with the step that worked, or undefined when none did. */
export async function climbLadder(options: LadderOptions): Promise<RecoveryStep | undefined> {
  const { log, route, trigger } = options;
  const context = { event: 'modem.recovery', route, ...(trigger.qid ? { qid: trigger.qid } : {}), ...(trigger.seg ? { seg: trigger.seg } : {}) };
  for (const [index, step] of RECOVERY_LADDER.entries()) {
    if (options.cancelled()) return undefined;
    options.onStep(step, index);
    try {
      await options.attempt(step);
      log.info({ ...context, step, outcome: 'ok', reason: trigger.reason }, `modem ${route} back after recovery step ${step}`);
      return step;
    } catch (err) {
      const { reason: failure, code } = reasonOf(err);
      log.warn({ ...context, step, outcome: 'failed', reason: trigger.reason, failure, code }, `modem ${route}: recovery step ${step} failed: ${failure}`);
    }
  }
  return undefined;
}
