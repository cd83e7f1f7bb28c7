/*
 * authentication-results.ts - parse an Authentication-Results header field value (RFC 8601 §2.2).
 *
 * Promise: pure; never throws. Returns the authserv-id and one entry per resinfo (method, result,
 * reason, ptype.property values, and the comments that stood in it, which is where mailauth,
 * OpenDMARC and Gmail write the DMARC "p=REJECT"). A value that is not Authentication-Results
 * syntax gives undefined. Method and result words are lower-cased (RFC 8601 §2.2: case-insensitive).
 * Limit: a method version ("dkim/1") is accepted and dropped; "authserv-id; none" gives no entries.
 */

export interface ResInfo {
  readonly method: string;
  readonly result: string;
  readonly reason?: string;
  /** "header.d", "smtp.mailfrom", "policy.published-domain-policy", ... (ptype lower-cased). */
  readonly props: Readonly<Record<string, string>>;
  readonly comments: readonly string[];
}

export interface AuthResultsHeader {
  readonly authservId: string;
  readonly results: readonly ResInfo[];
}

interface Segment {
  text: string;
  comments: string[];
}

/** Split on ';' outside quoted strings and comments; comments are lifted out (RFC 5322 §3.2.2 CFWS). */
function segments(value: string): Segment[] | undefined {
  const out: Segment[] = [{ text: '', comments: [] }];
  let depth = 0;
  let comment = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? '';
    const seg = out[out.length - 1] as Segment;
    if (ch === '\\' && (quoted || depth > 0)) {
      const next = value[++i] ?? '';
      if (depth > 0) comment += next;
      else seg.text += ch + next;
    } else if (depth > 0) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      if (depth === 0) {
        seg.comments.push(comment.trim());
        seg.text += ' ';
        comment = '';
      } else comment += ch;
    } else if (quoted) {
      seg.text += ch;
      if (ch === '"') quoted = false;
    } else if (ch === '"') {
      quoted = true;
      seg.text += ch;
    } else if (ch === '(') depth = 1;
    else if (ch === ';') out.push({ text: '', comments: [] });
    else seg.text += ch;
  }
  return depth > 0 || quoted ? undefined : out;
}

/** Words separated by whitespace, with "a = b" joined to "a=b"; quoted strings stay one word. */
function words(text: string): string[] {
  const joined = text.replace(/\s*=\s*/g, '=').replace(/\s*\.\s*(?=[^\s=]*=)/g, '.');
  return joined.match(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g) ?? [];
}

function unquote(word: string): string {
  return word.startsWith('"') && word.endsWith('"') && word.length >= 2 ? word.slice(1, -1).replace(/\\(.)/g, '$1') : word;
}

function parseResInfo(seg: Segment): ResInfo | undefined {
  const [first, ...rest] = words(seg.text);
  const m = /^([A-Za-z0-9_-]+)(?:\/\d+)?=([A-Za-z0-9_-]+)$/.exec(first ?? '');
  if (!m) return undefined;
  let reason: string | undefined;
  const props: Record<string, string> = {};
  for (const w of rest) {
    const eq = w.indexOf('=');
    if (eq <= 0) continue;
    const key = w.slice(0, eq).toLowerCase();
    const val = unquote(w.slice(eq + 1));
    if (key === 'reason') reason = val;
    else if (key.includes('.')) props[key] = val;
  }
  return { method: (m[1] ?? '').toLowerCase(), result: (m[2] ?? '').toLowerCase(), ...(reason === undefined ? {} : { reason }), props, comments: seg.comments };
}

export function parseAuthenticationResults(value: string): AuthResultsHeader | undefined {
  const segs = segments(value);
  if (!segs) return undefined;
  const [head, ...rest] = segs;
  const id = words(head?.text ?? '')[0];
  if (!id) return undefined;
  const results: ResInfo[] = [];
  for (const seg of rest) {
    if (/^\s*none\s*$/i.test(seg.text)) continue;
    const info = parseResInfo(seg);
    if (info) results.push(info);
  }
  return { authservId: unquote(id), results };
}
