/*
 * judge.ts - DKIM, SPF and DMARC results to PASS / GRAY / FAIL judgments, and the send decision
 * (SPEC 3; seed 000 "Mail Security Standard"). Pure: no DNS, clock or logger.
 *
 * Promise: every mail gets either three judgments, each with a one-line human reason, or a
 * `temperror` verdict (a DNS lookup failed temporarily; the caller answers 451 4.7.0). The input
 * is the shape mailauth returns (only the fields read here), so the relay mode can build the same
 * shape from an Authentication-Results header and be judged by the same table.
 *
 * The table (SPEC 3), ranked PASS > GRAY > FAIL:
 *   DKIM   PASS a signature verifies; GRAY no signature; FAIL signatures present, none verifies.
 *   SPF    PASS `pass`; GRAY `none`, `neutral`; FAIL `fail`, `softfail`, `permerror` (and any
 *          other word).
 *   DMARC  PASS `pass` under p=quarantine or p=reject; GRAY no DMARC record or p=none, and SPF
 *          or DKIM passed; FAIL anything else.
 * mailauth reports a signature that does not verify as `neutral` (SPEC 13), so DKIM FAIL comes
 * from the signature list, not the result word. An rsa-sha1 signature never verifies here:
 * RFC 8301 §3.1 says verifiers MUST NOT consider it valid, and mailauth accepts it.
 */

export type Judgment = 'PASS' | 'GRAY' | 'FAIL';

export interface Minimums {
  readonly dkim: Judgment;
  readonly spf: Judgment;
  readonly dmarc: Judgment;
}

export interface Judged {
  readonly judgment: Judgment;
  readonly reason: string;
}

export type Verdict =
  | { readonly kind: 'judged'; readonly dkim: Judged; readonly spf: Judged; readonly dmarc: Judged }
  | { readonly kind: 'temperror'; readonly reason: string };

export type JudgedVerdict = Extract<Verdict, { kind: 'judged' }>;
export type Criterion = 'dkim' | 'spf' | 'dmarc';

export interface Shortfall {
  readonly criterion: Criterion;
  readonly judgment: Judgment;
  readonly minimum: Judgment;
  readonly reason: string;
}

export type Decision = { readonly ok: true } | { readonly ok: false; readonly failed: readonly Shortfall[] };

/** The fields of a mailauth status this module reads. */
export interface AuthStatusLike {
  readonly result: string;
  readonly comment?: string;
  readonly policy?: Readonly<Record<string, string | undefined>>;
}

/** One row of mailauth's `dkim.results` (the unsigned-mail row has no signingDomain). */
export interface DkimRowLike {
  readonly signingDomain?: string;
  readonly selector?: string;
  readonly algo?: string;
  readonly status: AuthStatusLike;
}

export interface SpfLike {
  readonly domain: string;
  readonly 'client-ip'?: string;
  readonly rr?: string;
  readonly status: AuthStatusLike;
}

export interface DmarcLike {
  readonly domain: string;
  /** The policy that applies (mailauth: sp for a subdomain under an org record, else p). */
  readonly policy?: string;
  readonly error?: string;
  readonly status: AuthStatusLike;
}

export interface AuthResults {
  /**
   * `signatureFields` counts the DKIM-Signature header fields in the mail; mailauth leaves out a
   * signature it cannot evaluate at all (unknown algorithm, no d= or s=), and such a mail still
   * has "signatures present, none verifies".
   */
  readonly dkim: { readonly results: readonly DkimRowLike[]; readonly signatureFields?: number };
  /** false: no SPF result at all (relay mode, header without spf=). */
  readonly spf: SpfLike | false;
  /** false: DMARC could not be evaluated (not exactly one From address, or no dmarc= result). */
  readonly dmarc: DmarcLike | false;
}

export interface JudgeOptions {
  /**
   * What a `temperror` result means. `defer` (default): the verdict is temperror, so the client
   * retries. `fail`: the criterion is FAIL; used where a retry cannot change the result (a
   * relay's Authentication-Results header travels with the mail unchanged).
   */
  readonly temperror?: 'defer' | 'fail';
  /** Appended to a temperror judged as FAIL, e.g. "reported by relay mx1". */
  readonly temperrorNote?: string;
}

export type Outcome = Judged | { readonly temperror: string };

const RANK: Readonly<Record<Judgment, number>> = { FAIL: 0, GRAY: 1, PASS: 2 };
const ENFORCING = new Set(['quarantine', 'reject']);

export function judge(results: AuthResults, options: JudgeOptions = {}): Verdict {
  const dkim = judgeDkim(results.dkim);
  const spf = judgeSpf(results.spf);
  const spfPassed = results.spf !== false && results.spf.status.result === 'pass';
  const dkimPassed = 'judgment' in dkim && dkim.judgment === 'PASS';
  const dmarc = judgeDmarc(results.dmarc, spfPassed, dkimPassed);
  const outcomes = { dkim, spf, dmarc };
  const deferred = Object.values(outcomes).flatMap((o) => ('temperror' in o ? [o.temperror] : []));
  if (deferred.length > 0 && options.temperror !== 'fail') return { kind: 'temperror', reason: deferred.join('; ') };
  const settle = (o: Outcome): Judged =>
    'temperror' in o ? { judgment: 'FAIL', reason: options.temperrorNote ? `${o.temperror} (${options.temperrorNote})` : o.temperror } : o;
  return { kind: 'judged', dkim: settle(dkim), spf: settle(spf), dmarc: settle(dmarc) };
}

function describeSignature(row: DkimRowLike): string {
  return `signature d=${row.signingDomain ?? '?'} s=${row.selector ?? '?'}`;
}

function isRsaSha1(row: DkimRowLike): boolean {
  return (row.algo ?? '').trim().toLowerCase() === 'rsa-sha1';
}

/** A signature counts as verifying: mailauth says pass and it is not rsa-sha1 (RFC 8301 §3.1). */
export function signatureVerifies(row: DkimRowLike): boolean {
  return row.status.result === 'pass' && !isRsaSha1(row);
}

export function judgeDkim(dkim: AuthResults['dkim']): Outcome {
  const signatures = dkim.results.filter((r) => r.signingDomain !== undefined || r.status.result !== 'none');
  const good = signatures.find(signatureVerifies);
  if (good) return { judgment: 'PASS', reason: `${describeSignature(good)} verified` };
  const present = Math.max(signatures.length, dkim.signatureFields ?? 0);
  if (present === 0) return { judgment: 'GRAY', reason: 'no DKIM signature' };
  const temp = signatures.find((r) => r.status.result === 'temperror' || r.status.result === 'temperr');
  if (temp) return { temperror: `DKIM key lookup for ${describeSignature(temp)} failed: ${temp.status.comment ?? 'temperror'}` };
  const first = signatures[0];
  if (!first) return { judgment: 'FAIL', reason: `${present} DKIM-Signature field(s) present, none could be evaluated (unsupported algorithm or missing d=/s=)` };
  return { judgment: 'FAIL', reason: `${describeSignature(first)} did not verify: ${whyNotVerified(first)}` };
}

function whyNotVerified(row: DkimRowLike): string {
  if (row.status.result === 'pass' && isRsaSha1(row)) return 'rsa-sha1, which RFC 8301 §3.1 forbids a verifier to accept';
  if (row.status.comment) return row.status.comment;
  const rule = row.status.policy?.['dkim-rules'];
  if (rule) return `policy ${rule}`;
  return row.status.result;
}

export function judgeSpf(spf: SpfLike | false): Outcome {
  if (spf === false) return { judgment: 'FAIL', reason: 'no SPF result' };
  const word = spf.status.result;
  const where = `${spf.domain}${spf.rr ? `: ${spf.rr}` : ''}`;
  const client = spf['client-ip'] ? ` for ${spf['client-ip']}` : '';
  switch (word) {
    case 'pass':
      return { judgment: 'PASS', reason: `SPF pass${client} (${where})` };
    case 'none':
      return { judgment: 'GRAY', reason: `no SPF record for ${spf.domain}` };
    case 'neutral':
      return { judgment: 'GRAY', reason: `SPF neutral${client} (${where})` };
    case 'temperror':
    case 'temperr':
      return { temperror: `SPF temperror for ${spf.domain}${spf.status.comment ? `: ${spf.status.comment}` : ''}` };
    default:
      // fail, softfail, permerror (RFC 7208 §2.6), and any word we do not know
      return { judgment: 'FAIL', reason: `SPF ${word}${client} (${where})` };
  }
}

export function judgeDmarc(dmarc: DmarcLike | false, spfPassed: boolean, dkimPassed: boolean): Outcome {
  if (dmarc === false) return { judgment: 'FAIL', reason: 'DMARC not evaluated: the mail does not have exactly one From address, or no DMARC result was given' };
  const word = dmarc.status.result;
  const domain = dmarc.domain;
  if (word === 'temperror' || word === 'temperr') {
    return { temperror: `DMARC record lookup for ${domain} failed: ${dmarc.error ?? dmarc.status.comment ?? 'temperror'}` };
  }
  const passed = [spfPassed ? 'SPF' : '', dkimPassed ? 'DKIM' : ''].filter(Boolean).join(' and ');
  const policy = (dmarc.policy ?? '').trim().toLowerCase();
  if (word === 'pass' && ENFORCING.has(policy)) return { judgment: 'PASS', reason: `DMARC pass for ${domain} (p=${policy})` };
  // No record, or a record whose policy does not enforce (p=none, or p missing: RFC 7489 §6.6.3
  // treats an invalid or absent p as none): GRAY when SPF or DKIM passed (seed 000: "at least one
  // SPF or DKIM passed authentication, but the sending domain has no DMARC policy or uses p=none").
  if (word === 'fail' && ENFORCING.has(policy)) return { judgment: 'FAIL', reason: `DMARC fail for ${domain} (p=${policy}): no aligned SPF or DKIM pass` };
  const lenient =
    word === 'none' ? `no DMARC record for ${domain}` : word === 'pass' || word === 'fail' ? `DMARC ${word} for ${domain} under p=${policy || 'none'}` : undefined;
  if (lenient !== undefined && passed) return { judgment: 'GRAY', reason: `${lenient} and ${passed} passed` };
  if (lenient !== undefined) return { judgment: 'FAIL', reason: `${lenient} and neither SPF nor DKIM passed` };
  return { judgment: 'FAIL', reason: `DMARC ${word} for ${domain}${dmarc.status.comment ? ` (${dmarc.status.comment})` : ''}` };
}

/** A criterion passes when the mail's judgment ranks at or above the user's minimum (SPEC 3). */
export function meets(judgment: Judgment, minimum: Judgment): boolean {
  return RANK[judgment] >= RANK[minimum];
}

/** The SMS goes only when all three criteria pass (SPEC 3). */
export function decide(verdict: JudgedVerdict, minimums: Minimums): Decision {
  const criteria: readonly Criterion[] = ['dkim', 'spf', 'dmarc'];
  const failed = criteria
    .filter((c) => !meets(verdict[c].judgment, minimums[c]))
    .map((c) => ({ criterion: c, judgment: verdict[c].judgment, minimum: minimums[c], reason: verdict[c].reason }));
  return failed.length === 0 ? { ok: true } : { ok: false, failed };
}
