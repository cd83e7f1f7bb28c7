/*
 * index.ts - the dispatch stage's public face: the send loop and the outcome decision.
 */
export { createDispatcher, type Dispatcher, type DispatcherOptions, type OutstandingSend, type SetTimer, type ThrottledRoute } from './dispatcher.js';
export { attemptStatus, decideOutcome, EXPIRED_STATUS, THROTTLED_STATUS, UNKNOWN_STATUS, type Decision, type OutcomeContext } from './outcome.js';
export { DEFAULT_BREAKER, type BreakerPolicy } from './route-pool.js';
export { DEFAULT_THROTTLE, type ThrottlePolicy } from './route-pace.js';
export { countedText, countStart, decideStart, HOUR_MS, isOpen, summaryText, type HourWindow, type StartDecision, type StartInput, type StormSettings } from './storm-rules.js';
export { fitText, type FitOptions, type FittedText } from './storm-text.js';
export type { StormAccount } from './storms.js';
