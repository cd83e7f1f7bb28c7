/*
 * relay.ts - `verdict: relay`: believe the Authentication-Results a listed relay added (SPEC 3).
 *
 * Promise (pure): a header is believed only when the client address is inside one of the relay
 * CIDRs AND the header's authserv-id equals the configured one (case-insensitive, RFC 8601 §2.5).
 * Of such headers the topmost is used: it is the one the relay prepended last (RFC 5322 §3.6
 * trace order). Every other Authentication-Results field (another authserv-id, or any from a
 * client that is not a listed relay) is ignored: the gateway forwards no mail, so ignoring them
 * is all SPEC 3's "strip any other" asks of it.
 * The relay must remove headers carrying its own authserv-id from mail it receives
 * (RFC 8601 §5); Postfix with OpenDKIM/OpenDMARC, rspamd and Exchange do.
 *
 * With no trusted header, all three criteria are FAIL, each with the reason, so only users whose
 * minimums are FAIL get an SMS. A relay-reported temperror is FAIL too: a retry carries the same
 * header, so 451 would only delay the bounce (see judge.ts JudgeOptions).
 * Limits: DKIM rows come from `dkim=` entries (header.d / header.i, header.s, header.a); a
 * dkim=pass with header.a=rsa-sha1 does not verify, but the relay's own dmarc= is believed as
 * written. The DMARC policy is read from `policy.published-domain-policy`, `policy.dmarc` or a
 * `p=` comment (mailauth, OpenDMARC, Gmail); with none of them a dmarc=pass counts as p=none.
 */
import { ipAllowed, type Cidr } from '../policy/index.js';
import { parseAuthenticationResults, type AuthResultsHeader, type ResInfo } from './authentication-results.js';
import { readHeaderFields, type HeaderField } from './header-fields.js';
import { judge, type AuthResults, type DkimRowLike, type DmarcLike, type Judged, type SpfLike, type Verdict } from './judge.js';

export interface RelayTrust {
  readonly hosts: readonly Cidr[];
  readonly authservId: string;
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function trustedHeader(fields: readonly HeaderField[], authservId: string): AuthResultsHeader | undefined {
  for (const field of fields) {
    if (field.name !== 'authentication-results') continue;
    const header = parseAuthenticationResults(field.value);
    if (header && sameId(header.authservId, authservId)) return header;
  }
  return undefined;
}

/** The trusted header of this mail, or undefined (client not a relay, or no header with the id). */
export function findTrustedResults(raw: Buffer, clientAddress: string, trust: RelayTrust): AuthResultsHeader | undefined {
  if (!ipAllowed(clientAddress, trust.hosts)) return undefined;
  return trustedHeader(readHeaderFields(raw), trust.authservId);
}

function domainOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const at = value.lastIndexOf('@');
  const domain = (at >= 0 ? value.slice(at + 1) : value).trim().toLowerCase();
  return domain || undefined;
}

function status(info: ResInfo): DkimRowLike['status'] {
  const comment = info.reason ?? (info.comments.length > 0 ? info.comments.join('; ') : undefined);
  return comment === undefined ? { result: info.result } : { result: info.result, comment };
}

function dkimRow(info: ResInfo): DkimRowLike {
  const d = domainOf(info.props['header.d'] ?? info.props['header.i']);
  const s = info.props['header.s'];
  const a = info.props['header.a'];
  return { ...(d ? { signingDomain: d } : {}), ...(s ? { selector: s } : {}), ...(a ? { algo: a } : {}), status: status(info) };
}

function spfOf(info: ResInfo | undefined): SpfLike | false {
  if (!info) return false;
  const domain = domainOf(info.props['smtp.mailfrom']) ?? domainOf(info.props['smtp.helo']) ?? '(unknown domain)';
  return { domain, status: status(info) };
}

function dmarcPolicy(info: ResInfo): string | undefined {
  // authheaders writes policy.dmarc=, RFC 9989 registers policy.published-domain-policy
  const published = info.props['policy.published-domain-policy'] ?? info.props['policy.dmarc'];
  if (published) return published.toLowerCase();
  for (const c of info.comments) {
    const m = /(?:^|\s)p=([a-z]+)/i.exec(c);
    if (m?.[1]) return m[1].toLowerCase();
  }
  return undefined;
}

function dmarcOf(info: ResInfo | undefined): DmarcLike | false {
  if (!info) return false;
  const policy = dmarcPolicy(info);
  const domain = domainOf(info.props['header.from']) ?? '(unknown domain)';
  return { domain, ...(policy ? { policy } : {}), status: status(info) };
}

/** The relay's header in the shape judge.ts reads. */
export function relayResults(header: AuthResultsHeader): AuthResults {
  const by = (m: string): ResInfo[] => header.results.filter((r) => r.method === m);
  const dkim = by('dkim').filter((r) => r.result !== 'none');
  return { dkim: { results: dkim.map(dkimRow) }, spf: spfOf(by('spf')[0]), dmarc: dmarcOf(by('dmarc')[0]) };
}

const NOTE = (id: string): string => `per Authentication-Results of ${id}`;

/** The verdict of `verdict: relay` for one mail. */
export function judgeRelayed(raw: Buffer, clientAddress: string, trust: RelayTrust): Verdict {
  if (!ipAllowed(clientAddress, trust.hosts)) {
    const reason = `client ${clientAddress} is not a listed relay; no Authentication-Results from a trusted relay`;
    return { kind: 'judged', dkim: { judgment: 'FAIL', reason }, spf: { judgment: 'FAIL', reason }, dmarc: { judgment: 'FAIL', reason } };
  }
  const header = findTrustedResults(raw, clientAddress, trust);
  if (!header) {
    const reason = `no Authentication-Results from a trusted relay (authserv-id ${trust.authservId})`;
    return { kind: 'judged', dkim: { judgment: 'FAIL', reason }, spf: { judgment: 'FAIL', reason }, dmarc: { judgment: 'FAIL', reason } };
  }
  const verdict = judge(relayResults(header), { temperror: 'fail', temperrorNote: 'reported by the relay; a retry carries the same header' });
  if (verdict.kind !== 'judged') return verdict;
  const note = (j: Judged): Judged => ({ judgment: j.judgment, reason: `${j.reason}, ${NOTE(header.authservId)}` });
  return { kind: 'judged', dkim: note(verdict.dkim), spf: note(verdict.spf), dmarc: note(verdict.dmarc) };
}
