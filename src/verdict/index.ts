/*
 * verdict/index.ts - the verdict stage's public API: DKIM, SPF and DMARC judgments of a mail and
 * the decision against a user's minimums (SPEC 3).
 */
export { createVerifier } from './verifier.js';
export type { Verifier, VerifierOptions, VerdictInput } from './verifier.js';
export { decide, meets, judge } from './judge.js';
export type { Judgment, Minimums, Judged, Verdict, JudgedVerdict, Criterion, Shortfall, Decision, AuthResults } from './judge.js';
export type { RelayTrust } from './relay.js';
export type { PinnedRecords } from './resolvers.js';
