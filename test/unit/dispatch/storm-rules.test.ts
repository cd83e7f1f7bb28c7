/*
 * The alert-storm decisions (SPEC 7, issue #11 item 4) as a table: what happens to a message
 * about to start, given the queue's facts, the account's settings and the time.
 */
import { describe, expect, it } from 'vitest';
import { countStart, decideStart, fitText, HOUR_MS, isOpen, type StartDecision, type StartInput, type StormSettings } from '../../../src/dispatch/index.js';
import type { StormCandidate, StormFacts, StormMessage } from '../../../src/queue/index.js';

const NOW = Date.UTC(2026, 11, 2, 8, 0, 0);
const MIN = 60_000;
const DAY = 24 * HOUR_MS;

const msg = (over: Partial<StormMessage> = {}): StormMessage => ({
  qid: 'Q0', account: 'default', to: '+819012345678', kind: 'mail', createdAt: NOW - 1_000, validUntil: NOW + DAY,
  priority: 0, statusReport: false, encoding: 'gsm7', text: 'disk full', heldReason: null, heldUntil: null, ...over,
});
const cand = (qid: string, over: Partial<StormCandidate> = {}): StormCandidate => ({
  qid, createdAt: NOW - 500, validUntil: NOW + DAY, statusReport: false, priority: 0, text: 'disk full', ...over,
});
const facts = (over: Partial<StormFacts> = {}): StormFacts => ({ message: msg(), lastIdenticalStartAt: undefined, identical: [], window: undefined, heldEnded: [], ...over });
const settings = (over: Partial<StormSettings> = {}): StormSettings => ({ coalesceMs: MIN, maxPerHour: null, maxAgeMs: null, ...over });
const input = (over: Partial<StartInput> = {}): StartInput => ({ facts: facts(), settings: settings(), started: false, unsent: true, now: NOW, ...over });

const start = (over: Partial<Extract<StartDecision, { kind: 'start' }>> = {}): StartDecision => ({ kind: 'start', absorb: [], expire: [], count: 1, text: undefined, window: undefined, ...over });

describe('decideStart: what happens to a message about to start', () => {
  const cases: Array<[string, StartInput, StartDecision]> = [
    ['a lone message starts as it is', input(), start()],
    ['a retry (already started) is sent, the rules do not ask again', input({ started: true, facts: facts({ lastIdenticalStartAt: NOW - 1_000 }) }), { kind: 'send' }],
    ['a part after the first is sent', input({ unsent: false }), { kind: 'send' }],
    ['an identical message started 10 s ago: wait until that start + the window', input({ facts: facts({ lastIdenticalStartAt: NOW - 10_000 }) }), { kind: 'wait', reason: 'identical', until: NOW + 50_000, attemptAt: NOW + 50_000 }],
    ['the wait is never scheduled past the validity', input({ facts: facts({ message: msg({ validUntil: NOW + 5_000 }), lastIdenticalStartAt: NOW - 10_000 }) }), { kind: 'wait', reason: 'identical', until: NOW + 50_000, attemptAt: NOW + 5_000 }],
    ['an identical message started exactly one window ago: goes now', input({ facts: facts({ lastIdenticalStartAt: NOW - MIN }) }), start()],
    ['coalescing off: an identical message started lately does not matter', input({ settings: settings({ coalesceMs: null }), facts: facts({ lastIdenticalStartAt: NOW - 1_000, identical: [cand('Q1')] }) }), start()],
    ['goes and absorbs the identical ones queued, as (x3)', input({ facts: facts({ identical: [cand('Q1'), cand('Q2')] }) }), start({ absorb: ['Q1', 'Q2'], count: 3, text: '(x3) disk full' })],
    ['an identical one past its validity expires instead of being absorbed', input({ facts: facts({ identical: [cand('Q1', { validUntil: NOW }), cand('Q2')] }) }), start({ absorb: ['Q2'], expire: ['Q1'], count: 2, text: '(x2) disk full' })],
    ['an x-smpp encapsulated message is outside the rules', input({ facts: facts({ message: msg({ text: undefined }), lastIdenticalStartAt: NOW - 1_000 }) }), { kind: 'send' }],
    ['a summary is never held or coalesced', input({ settings: settings({ maxPerHour: 1 }), facts: facts({ message: msg({ kind: 'summary' }), window: { openedAt: NOW - MIN, started: 5 } }) }), { kind: 'send' }],
    ['older than max age: expires, not sent', input({ settings: settings({ maxAgeMs: 10 * MIN }), facts: facts({ message: msg({ createdAt: NOW - 11 * MIN }) }) }), { kind: 'expire', reason: 'max-age', ageMs: 11 * MIN, maxAgeMs: 10 * MIN }],
    ['exactly max age old: still sent (created + max age < now expires)', input({ settings: settings({ maxAgeMs: 10 * MIN }), facts: facts({ message: msg({ createdAt: NOW - 10 * MIN }) }) }), start()],
    ['max age is asked again after temporary failures while nothing went out', input({ started: true, settings: settings({ maxAgeMs: MIN }), facts: facts({ message: msg({ createdAt: NOW - 2 * MIN }) }) }), { kind: 'expire', reason: 'max-age', ageMs: 2 * MIN, maxAgeMs: MIN }],
    ['max age is not asked once a part may have gone out', input({ started: true, unsent: false, settings: settings({ maxAgeMs: MIN }), facts: facts({ message: msg({ createdAt: NOW - 2 * MIN }) }) }), { kind: 'send' }],
    ['max age comes before coalescing', input({ settings: settings({ maxAgeMs: MIN }), facts: facts({ message: msg({ createdAt: NOW - 2 * MIN }), lastIdenticalStartAt: NOW - 1_000 }) }), { kind: 'expire', reason: 'max-age', ageMs: 2 * MIN, maxAgeMs: MIN }],
    ['the first message to a number opens its hour', input({ settings: settings({ maxPerHour: 20 }) }), start({ window: { openedAt: NOW, started: 1 } })],
    ['a start inside the open hour counts in it', input({ settings: settings({ maxPerHour: 20 }), facts: facts({ window: { openedAt: NOW - 10 * MIN, started: 19 } }) }), start({ window: { openedAt: NOW - 10 * MIN, started: 20 } })],
    ['the hour is full: held until it ends', input({ settings: settings({ maxPerHour: 20 }), facts: facts({ window: { openedAt: NOW - 10 * MIN, started: 20 } }) }), { kind: 'hold', reason: 'hourly-cap', until: NOW + 50 * MIN, attemptAt: NOW + 50 * MIN }],
    ['a full hour that has ended opens a new one', input({ settings: settings({ maxPerHour: 20 }), facts: facts({ window: { openedAt: NOW - HOUR_MS, started: 20 } }) }), start({ window: { openedAt: NOW, started: 1 } })],
    ['coalescing runs first: a carrier of 3 counts once', input({ settings: settings({ maxPerHour: 20 }), facts: facts({ identical: [cand('Q1'), cand('Q2')], window: { openedAt: NOW - MIN, started: 4 } }) }), start({ absorb: ['Q1', 'Q2'], count: 3, text: '(x3) disk full', window: { openedAt: NOW - MIN, started: 5 } })],
    ['an identical message waiting for the window comes before the cap', input({ settings: settings({ maxPerHour: 1 }), facts: facts({ lastIdenticalStartAt: NOW - 1_000, window: { openedAt: NOW - 1_000, started: 1 } }) }), { kind: 'wait', reason: 'identical', until: NOW + 59_000, attemptAt: NOW + 59_000 }],
    [
      'the hour of held messages ended: one summary of all of them, naming the newest',
      input({
        settings: settings({ maxPerHour: 20 }),
        facts: facts({
          message: msg({ qid: 'H1', heldReason: 'hourly-cap', heldUntil: NOW, text: 'first held', createdAt: NOW - 50 * MIN }),
          heldEnded: [cand('H1', { text: 'first held', createdAt: NOW - 50 * MIN }), cand('H3', { text: 'newest', createdAt: NOW - MIN }), cand('H2', { text: 'middle', createdAt: NOW - 30 * MIN })],
          window: { openedAt: NOW - HOUR_MS, started: 20 },
        }),
      }),
      { kind: 'summarise', held: ['H1', 'H2', 'H3'], expire: [], last: 'H3', text: '3 more alerts held, last: newest', window: { openedAt: NOW, started: 1 } },
    ],
    [
      'summarised held messages are not asked their max age (the summary is new), but past their validity they expire',
      input({
        settings: settings({ maxPerHour: 20, maxAgeMs: MIN }),
        facts: facts({
          message: msg({ qid: 'H1', heldReason: 'hourly-cap', heldUntil: NOW, createdAt: NOW - 50 * MIN }),
          heldEnded: [cand('H1', { createdAt: NOW - 50 * MIN }), cand('H2', { createdAt: NOW - 40 * MIN }), cand('H3', { validUntil: NOW - 1 })],
        }),
      }),
      { kind: 'summarise', held: ['H1', 'H2'], expire: ['H3'], last: 'H2', text: '2 more alerts held, last: disk full', window: { openedAt: NOW, started: 1 } },
    ],
    [
      'only one message was held: it is sent as itself and opens the next hour',
      input({ settings: settings({ maxPerHour: 20 }), facts: facts({ message: msg({ qid: 'H1', heldReason: 'hourly-cap', heldUntil: NOW - 5 }), heldEnded: [cand('H1')] }) }),
      start({ window: { openedAt: NOW, started: 1 } }),
    ],
    [
      'a held message whose hour has not ended (picked early) is not summarised',
      input({ settings: settings({ maxPerHour: 1 }), facts: facts({ message: msg({ heldReason: 'hourly-cap', heldUntil: NOW + 1 }), window: { openedAt: NOW - MIN, started: 1 } }) }),
      { kind: 'hold', reason: 'hourly-cap', until: NOW - MIN + HOUR_MS, attemptAt: NOW - MIN + HOUR_MS },
    ],
  ];
  it.each(cases)('%s', (_name, given, expected) => {
    expect(decideStart(given)).toEqual(expected);
  });
});

describe('the hour window of a number', () => {
  it('is open for one hour from its first start', () => {
    expect(isOpen(undefined, NOW)).toBe(false);
    expect(isOpen({ openedAt: NOW - HOUR_MS + 1, started: 3 }, NOW)).toBe(true);
    expect(isOpen({ openedAt: NOW - HOUR_MS, started: 3 }, NOW)).toBe(false);
    expect(countStart({ openedAt: NOW - MIN, started: 3 }, NOW)).toEqual({ openedAt: NOW - MIN, started: 4 });
    expect(countStart({ openedAt: NOW - HOUR_MS, started: 3 }, NOW)).toEqual({ openedAt: NOW, started: 1 });
  });
});

describe('fitText: the text the dispatcher makes, in the account max segments', () => {
  const opts = { long: 'concatenate' as const, maxSegments: 1 };
  const cases: Array<[string, string, { long: 'concatenate' | 'split'; maxSegments: number }, { text: string; encoding: string; parts: number; dropped: number }]> = [
    ['a text that fits is kept as it is', '(x3) disk full', opts, { text: '(x3) disk full', encoding: 'gsm7', parts: 1, dropped: 0 }],
    ['a GSM text too long is cut at a word and ends with "..." (GSM has no U+2026)', `(x2) ${'word '.repeat(40)}end`, opts, { text: `(x2) ${'word '.repeat(30).trimEnd()}...`, encoding: 'gsm7', parts: 1, dropped: 54 }],
    ['a UCS-2 text too long ends with "…" and stays UCS-2', `(x2) ${'データ '.repeat(20)}`, opts, { text: `(x2) ${'データ '.repeat(16).trimEnd()}…`, encoding: 'ucs2', parts: 1, dropped: 17 }],
    ['a count that needs a second part takes one when the account allows it', `(x12) ${'y'.repeat(155)}`, { long: 'concatenate', maxSegments: 2 }, { text: `(x12) ${'y'.repeat(155)}`, encoding: 'gsm7', parts: 2, dropped: 0 }],
  ];
  it.each(cases)('%s', (_name, text, options, expected) => {
    const fitted = fitText(text, options);
    expect({ text: fitted.text, encoding: fitted.encoding, parts: fitted.parts.length, dropped: fitted.dropped }).toEqual(expected);
    expect(fitted.parts.join('')).toBe(fitted.text);
  });
});
