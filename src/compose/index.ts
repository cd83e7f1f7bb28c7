/*
 * compose/index.ts - the compose stage's public API: ParsedMail -> SMS text, priority and
 * report requests (SPEC 5, 7, 8). Pure.
 */
export { composeText, priorityOf, notifyOf } from './compose.js';
export type { ComposeMode, ComposeOptions, ComposeResult, NotifyRequest } from './compose.js';
