/*
 * condense/index.ts - the condensing stage's public API (SPEC 5): ParsedMail in, the same mail
 * with subject and text condensed out, with the recogniser's name and what was dropped. Pure.
 */
export { condenseMail } from './condense.js';
export { RULE } from './rules.js';
export { RECOGNISER_NAMES } from './recognisers.js';
export type { CondenseMode, CondenseResult, DroppedText } from './types.js';
