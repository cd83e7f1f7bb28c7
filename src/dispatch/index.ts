/*
 * index.ts - the dispatch stage's public face: the send loop and the outcome decision.
 */
export { createDispatcher, type Dispatcher, type DispatcherOptions, type SetTimer } from './dispatcher.js';
export { attemptStatus, decideOutcome, EXPIRED_STATUS, UNKNOWN_STATUS, type Decision, type OutcomeContext } from './outcome.js';
export { DEFAULT_BREAKER, type BreakerPolicy } from './route-pool.js';
