/*
 * storm-rules.ts - alert storms (SPEC 7): what happens to a message at the moment it is about to
 * start (its first segment picked, nothing of it gone out yet). Pure: the queue's facts, the
 * account's settings and `now` come in, a decision comes out; storms.ts applies it.
 *
 * The rules, in the order they are asked (docs/alert-storms.md says them for operators):
 * 0. A message held by its number's hourly cap whose hour has ended: every held message of that
 *    account and number whose hold ended goes into ONE summary, `<K> more alerts held, last:
 *    <text of the newest>`, which is sent now (never held itself) and opens the next hour; the
 *    held ones end `coalesced` into it. Held messages whose validity ended expire instead. Only
 *    one held: it is sent as itself (a summary of one says less than the alert).
 * 1. Max age (account `max_age`): a message none of whose parts has gone out, older than that
 *    (created + max age < now), is not sent: it ends `expired` with a failure notice. Asked at
 *    every turn of a message that has sent nothing, also after temporary failures.
 * Rules 2-4 are for ordinary text messages from mail (not x-smpp encapsulated ones, not
 * summaries), asked once, when the message first starts:
 * 2. Coalescing (account `coalesce` W): if an identical message (same account, number, text)
 *    started less than W ago, this one waits until that start + W.
 * 3. Hourly cap (account `max_per_hour` N): the window of a number opens with the first message
 *    started to it when none is open, and lasts an hour; once N started in it, later messages are
 *    held until it ends.
 * 4. Otherwise it goes now and absorbs every other identical message to that number not started
 *    yet (they end `coalesced` into it; those whose validity ended expire instead); with N > 1 in
 *    all it goes as `(xN) <text>`. It counts once in its number's hour window.
 */
import type { StormCandidate, StormFacts } from '../queue/index.js';

/** The hour of `max_per_hour`. */
export const HOUR_MS = 3_600_000;

/** The account settings the rules read (accounts/types.ts `Account` has them). */
export interface StormSettings {
  readonly coalesceMs: number | null;
  readonly maxPerHour: number | null;
  readonly maxAgeMs: number | null;
}

export interface HourWindow {
  readonly openedAt: number;
  readonly started: number;
}

export type StartDecision =
  /** Already started (a retry), or a part of it may have gone out: the rules have nothing to say. */
  | { readonly kind: 'send' }
  | { readonly kind: 'expire'; readonly reason: 'max-age'; readonly ageMs: number; readonly maxAgeMs: number }
  | { readonly kind: 'wait'; readonly reason: 'identical'; readonly until: number; readonly attemptAt: number }
  | { readonly kind: 'hold'; readonly reason: 'hourly-cap'; readonly until: number; readonly attemptAt: number }
  | {
      readonly kind: 'start';
      /** Other messages that go out in this one (`coalesced`, reason identical). */
      readonly absorb: readonly string[];
      /** Candidates whose validity ended: they expire instead. */
      readonly expire: readonly string[];
      /** Itself and the absorbed ones. */
      readonly count: number;
      /** The `(xN) ` text to send instead of its own; undefined to send it as it is. */
      readonly text: string | undefined;
      /** The number's hour window after this start; undefined when the account has no cap. */
      readonly window: HourWindow | undefined;
    }
  | {
      readonly kind: 'summarise';
      /** The held messages that end `coalesced` into the summary (reason hourly-cap), oldest first. */
      readonly held: readonly string[];
      readonly expire: readonly string[];
      /** The newest held message: its text ends the summary. */
      readonly last: string;
      readonly text: string;
      readonly window: HourWindow;
    };

/** The count in front of a coalesced carrier's text. */
export const countedText = (count: number, text: string): string => `(x${count}) ${text}`;

/** The hourly summary's text, before it is cut to the account's max segments. */
export const summaryText = (held: number, lastText: string): string => `${held} more alerts held, last: ${lastText}`;

/** Whether the number's hour window is open at `now`. */
export function isOpen(window: HourWindow | undefined, now: number): window is HourWindow {
  return window !== undefined && now < window.openedAt + HOUR_MS;
}

/** The window after one more message started at `now`: counted in the open one, or a new one opened. */
export function countStart(window: HourWindow | undefined, now: number): HourWindow {
  return isOpen(window, now) ? { openedAt: window.openedAt, started: window.started + 1 } : { openedAt: now, started: 1 };
}

export interface StartInput {
  readonly facts: StormFacts;
  readonly settings: StormSettings;
  /** The message has started before (its first segment was picked once already). */
  readonly started: boolean;
  /** No part of it can have gone out (its first part is next, and queued). */
  readonly unsent: boolean;
  readonly now: number;
}

export function decideStart({ facts, settings, started, unsent, now }: StartInput): StartDecision {
  const { message } = facts;
  const capped = settings.maxPerHour !== null;
  if (!started && message.heldReason === 'hourly-cap' && message.heldUntil !== null && message.heldUntil <= now) {
    return summarise(facts, now);
  }
  if (unsent && settings.maxAgeMs !== null && message.createdAt + settings.maxAgeMs < now) {
    return { kind: 'expire', reason: 'max-age', ageMs: now - message.createdAt, maxAgeMs: settings.maxAgeMs };
  }
  if (started || !unsent) return { kind: 'send' };
  // Not ordinary text from mail (x-smpp, or a summary): sent as it is, outside the storm rules.
  if (message.text === undefined || message.kind !== 'mail') return { kind: 'send' };
  const text = message.text;
  if (settings.coalesceMs !== null && facts.lastIdenticalStartAt !== undefined && facts.lastIdenticalStartAt + settings.coalesceMs > now) {
    const until = facts.lastIdenticalStartAt + settings.coalesceMs;
    return { kind: 'wait', reason: 'identical', until, attemptAt: Math.min(until, message.validUntil) };
  }
  if (capped && isOpen(facts.window, now) && facts.window.started >= (settings.maxPerHour ?? Infinity)) {
    const until = facts.window.openedAt + HOUR_MS;
    return { kind: 'hold', reason: 'hourly-cap', until, attemptAt: Math.min(until, message.validUntil) };
  }
  const [live, dead] = byValidity(settings.coalesceMs === null ? [] : facts.identical, now);
  const count = 1 + live.length;
  return {
    kind: 'start',
    absorb: live.map((c) => c.qid),
    expire: dead.map((c) => c.qid),
    count,
    text: count > 1 ? countedText(count, text) : undefined,
    window: capped ? countStart(facts.window, now) : undefined,
  };
}

/** Rule 0: the hour of a held message ended. */
function summarise(facts: StormFacts, now: number): StartDecision {
  const self: StormCandidate | undefined = facts.message.text === undefined ? undefined : { ...facts.message, text: facts.message.text };
  const all = facts.heldEnded.some((c) => c.qid === facts.message.qid) || self === undefined ? facts.heldEnded : [self, ...facts.heldEnded];
  const [live, dead] = byValidity(all, now);
  const window = countStart(facts.window, now);
  if (live.length <= 1) return { kind: 'start', absorb: [], expire: dead.map((c) => c.qid), count: 1, text: undefined, window };
  const oldestFirst = [...live].sort((a, b) => a.createdAt - b.createdAt || (a.qid < b.qid ? -1 : 1));
  const last = oldestFirst[oldestFirst.length - 1] as StormCandidate;
  return { kind: 'summarise', held: oldestFirst.map((c) => c.qid), expire: dead.map((c) => c.qid), last: last.qid, text: summaryText(live.length, last.text), window };
}

/** Candidates still within their validity, and those past it (SPEC 7: they expire). */
function byValidity(candidates: readonly StormCandidate[], now: number): [StormCandidate[], StormCandidate[]] {
  const live = candidates.filter((c) => now < c.validUntil);
  return [live, candidates.filter((c) => now >= c.validUntil)];
}
