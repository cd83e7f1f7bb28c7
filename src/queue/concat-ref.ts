/*
 * concat-ref.ts - choosing a concatenation reference for a long message (SPEC 13).
 *
 * Pure. The 8-bit reference (3GPP TS 23.040 §9.2.3.24.1, IEI 0x00) is what a phone uses to put
 * parts back together, keyed by sender and reference, so two long messages to one phone must not
 * share one while either may still be in flight (gammu-smsd gives every message injected in a
 * row the same reference, and phones mix their parts). References go round-robin per
 * destination from the last one given, skipping those of unfinished messages, so a reference
 * also comes back as late as possible after its message finished.
 */

export const CONCAT_REF_SPACE = 256;

export interface RefChoice {
  readonly ref: number;
  /** All 256 were held by unfinished messages; the choice reuses one (logged by the caller). */
  readonly reused: boolean;
}

/** `last`: the reference most recently given to this destination; `busy`: those still in use. */
export function chooseConcatRef(last: number | undefined, busy: ReadonlySet<number>): RefChoice {
  const start = last === undefined ? 0 : (last + 1) % CONCAT_REF_SPACE;
  for (let i = 0; i < CONCAT_REF_SPACE; i += 1) {
    const ref = (start + i) % CONCAT_REF_SPACE;
    if (!busy.has(ref)) return { ref, reused: false };
  }
  return { ref: start, reused: true };
}
