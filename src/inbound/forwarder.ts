/*
 * forwarder.ts - mails received SMS through the smarthost (SPEC 10), one mail per SMS.
 *
 * The loop: at each pass (every pollMs, and at wake() when an SMS was committed) it first turns
 * partial messages whose wait ran out into SMS that say which parts are missing, then takes the
 * due `received` rows oldest first, decides where each goes (mail-plan.ts) and hands it to the
 * smarthost. A 250 marks it mailed; a temporary failure (4xx, connection refused, timeout) is
 * retried with backoff for as long as it takes (nothing received is dropped); a smarthost that
 * does not answer (or says 421) pauses the loop until that retry instead of being tried again
 * for each SMS; a 5xx marks it failed
 * (kept, shown by `inbox`). An SMS nobody should get (no address at all, or no smarthost) is
 * held; held rows are looked at again when the forwarder starts.
 *
 * Promise: never throws out of the loop; every outcome is logged once with the inbound id and
 * counted.
 */
import { nextAttemptAt, type BackoffPolicy } from '../queue/index.js';
import { reasonOf, type Logger } from '../log/index.js';
import type { AlertRef } from '../queue/index.js';
import { planInboundMail, type InboundMail, type InboundSettings } from './mail-plan.js';
import type { InboundRecord, MailSide } from './store-mail.js';
import type { InboundState } from './migrations.js';

export interface ForwarderStore extends MailSide {
  /** Partial messages whose first part is older than waitMs become SMS rows; returns their ids. */
  flushPartials(now: number, waitMs: number): string[];
}

export interface InboundForwarderOptions {
  readonly store: ForwarderStore;
  /** The newest alert the queue sent to a number (any age). */
  readonly alertTo: (number: string) => AlertRef | undefined;
  readonly settingsOf: (account: string) => InboundSettings | undefined;
  /** Config `inbound:`. */
  readonly boxInbound?: string;
  readonly domain: string;
  /** Every domain of the gateway (mail to them would loop back as SMS). */
  readonly ownDomains?: readonly string[];
  readonly hostname: string;
  /** Hands a mail to the smarthost; absent when none is configured (SMS are then held). */
  readonly send?: (mail: InboundMail) => Promise<{ readonly response: string }>;
  readonly logger: Logger;
  /** Counts each SMS's outcome (mailed, held, failed, retry). */
  readonly count?: (outcome: InboundState | 'retry') => void;
  readonly now?: () => number;
  readonly pollMs?: number;
  /** How long the parts of a concatenated SMS are waited for. */
  readonly partWaitMs?: number;
  readonly retry?: Partial<BackoffPolicy>;
}

export interface InboundForwarder {
  /** An SMS was committed: look now. */
  wake(): void;
  /** Stops the loop and waits for a mail being handed over. */
  stop(): Promise<void>;
}

export const DEFAULT_PART_WAIT_MS = 10 * 60_000;
const DEFAULT_POLL_MS = 5_000;
const DEFAULT_RETRY: BackoffPolicy = { baseMs: 30_000, factor: 2, maxMs: 3_600_000, jitter: 0.1 };
const PASS_LIMIT = 20;

export function startInboundForwarder(options: InboundForwarderOptions): InboundForwarder {
  const { store } = options;
  const log = options.logger.child({ component: 'inbound' });
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const partWaitMs = options.partWaitMs ?? DEFAULT_PART_WAIT_MS;
  const retry: BackoffPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const count = options.count ?? (() => undefined);
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let again = false;
  /** The smarthost failed for now: no SMS is tried before this. */
  let pausedUntil = 0;

  const released = safely(() => store.releaseHeld(now()), 0);
  if (released > 0) log.info({ event: 'inbound.released', count: released }, `${released} held SMS looked at again at start`);

  function schedule(ms: number): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, Math.max(0, ms));
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    if (pass) {
      again = true;
      return;
    }
    pass = runPass()
      .catch((err: unknown) => log.error({ event: 'inbound.store_error', err }, 'the inbound forwarder failed a pass (a bug); trying again at the next poll'))
      .then((more) => {
        pass = undefined;
        const soon = again || more === true;
        again = false;
        const next = safely(() => store.nextDueAt(), undefined);
        const wait = soon ? 0 : Math.min(pollMs, next === undefined ? pollMs : next - now());
        schedule(Math.max(wait, pausedUntil - now()));
      });
  }

  /** One pass; true when more may be due at once. */
  async function runPass(): Promise<boolean> {
    for (const id of store.flushPartials(now(), partWaitMs)) {
      log.warn({ event: 'inbound.incomplete', inboundId: id }, 'the other parts of a long SMS did not arrive in time: it is mailed with what came');
    }
    if (now() < pausedUntil) return false;
    const due = store.due(now(), PASS_LIMIT);
    for (const sms of due) {
      if (!running) return false;
      if ((await forward(sms)) === 'smarthost-down') return false;
    }
    return due.length === PASS_LIMIT;
  }

  /** One due SMS as due() read it (only this loop moves a row out of `received`). */
  async function forward(sms: InboundRecord): Promise<'done' | 'smarthost-down'> {
    const { id } = sms;
    const at = now();
    const alert = sms.senderKind === 'alphanumeric' ? undefined : options.alertTo(sms.sender);
    const plan = planInboundMail({
      sms,
      now: at,
      domain: options.domain,
      ...(options.ownDomains ? { ownDomains: options.ownDomains } : {}),
      hostname: options.hostname,
      alert,
      alertAccount: alert ? options.settingsOf(alert.account) : undefined,
      boxInbound: options.boxInbound,
      defaultAccount: options.settingsOf('default'),
    });
    const ctx = { inboundId: id, from: sms.sender };
    if (plan.kind === 'held' || options.send === undefined) {
      const reason = plan.kind === 'held' ? plan.reason : 'no smarthost is configured, so received SMS cannot be mailed';
      store.markHeld(id, { reason, now: at });
      count('held');
      log.warn({ event: 'inbound.held', ...ctx, reason }, `received SMS held: ${reason}`);
      return 'done';
    }
    const { mail } = plan;
    try {
      const result = await options.send(mail);
      store.markMailed(id, { to: mail.to, messageId: mail.messageId, ...(plan.alertQid ? { alertQid: plan.alertQid } : {}), now: now() });
      count('mailed');
      log.info({ event: 'inbound.mailed', ...ctx, to: mail.to, alertQid: plan.alertQid, why: plan.why, response: result.response }, `received SMS mailed to ${mail.to.join(', ')} (${plan.why})`);
      return 'done';
    } catch (err) {
      const { reason } = reasonOf(err);
      const code = (err as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500) {
        store.markFailed(id, { error: reason, now: now() });
        count('failed');
        log.error({ event: 'inbound.failed', ...ctx, to: mail.to, reason }, `the smarthost refused the mail of a received SMS for good; it is kept (inbox show ${id})`);
        return 'done';
      }
      const next = nextAttemptAt(sms.attempts + 1, now(), retry);
      store.markRetry(id, { error: reason, nextAttemptAt: next });
      // The smarthost itself is down or closing (no reply, 421): the others wait with this one.
      const down = code === undefined || code === 421;
      if (down) pausedUntil = next;
      count('retry');
      log.warn({ event: 'inbound.deferred', ...ctx, to: mail.to, reason, retryAt: new Date(next).toISOString() }, `mailing a received SMS failed for now; trying again later: ${reason}`);
      return down ? 'smarthost-down' : 'done';
    }
  }

  schedule(0);
  return {
    wake: () => schedule(Math.max(0, pausedUntil - now())),
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}

function safely<T, F>(read: () => T, fallback: F): T | F {
  try {
    return read();
  } catch {
    return fallback;
  }
}
