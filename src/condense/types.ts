/*
 * types.ts - the values of the condensing stage (SPEC 5): its account setting and what it reports.
 */

/** `auto`: generic rules and the recognisers run (default); `off`: the text goes on as parsed. */
export type CondenseMode = 'auto' | 'off';
