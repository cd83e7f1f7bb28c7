/*
 * types.ts - the values of the condensing stage (SPEC 5): its account setting and what it reports.
 */
import type { ParsedMail } from '../parse/types.js';

/** `auto`: generic rules and the recognisers run (default); `off`: the text goes on as parsed. */
export type CondenseMode = 'auto' | 'off';

/** One piece of text condensing left out, and the rule or recogniser that did (for preview and verdict@). */
export interface DroppedText {
  /** A stable rule name, e.g. `link-target`, `footer`, `banner`, `repeated-line`, or `<recogniser>:<what>`. */
  readonly rule: string;
  readonly text: string;
}

export interface CondenseResult {
  /** The mail with its subject and text condensed; every other field as parsed. */
  readonly mail: ParsedMail;
  /** The name of the recogniser that claimed the mail; null when only the generic rules ran. */
  readonly recogniser: string | null;
  /** What was left out, in mail order; empty when nothing changed. */
  readonly dropped: readonly DroppedText[];
}
