/*
 * compose/index.ts - the compose stage's public API: ParsedMail -> SMS text, priority and
 * report requests (SPEC 5, 7, 8). Pure.
 */
export { composeText, priorityOf, notifyOf } from './compose.js';
export type { ComposeMode, ComposeOptions, ComposeResult, NotifyRequest } from './compose.js';
export { encapsulatedPart, encapsulationOf, MAX_VALIDITY_MINUTES, MIN_VALIDITY_MINUTES, SMPP_HEADERS } from './encapsulation.js';
export type { EncapsulatedSms, Encapsulation, SmppHeader } from './encapsulation.js';
