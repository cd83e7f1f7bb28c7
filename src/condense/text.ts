/*
 * text.ts - the word-level facts condensing decides on: where URLs are, which digit runs and host
 * names a text carries, and whether a line only says what another text (the subject) says.
 *
 * Promise: pure string functions. A host name is a dotted name whose last label starts with a
 * letter (`db1.example.lan`, `db1.example.lan:9100`); a bare `db1` cannot be told from a word and
 * is protected only as a word (see `saidBy`). Only `http`, `https` and `ftp` URLs are URLs:
 * `db1.example.lan:9100` and `www.example.org` are host names, never dropped as links.
 */

/** A bare URL; trailing sentence punctuation is not part of it (see `urlSpans`). */
const URL = /\b(?:https?|ftp):\/\/[^\s<>"]+/gi;
const URL_TAIL = /[.,;:!?'"]+$/;
const HOST = /(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9](?::\d+)?(?![\w-])/gi;
const DIGITS = /\d+/g;

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Where the bare URLs of a line are (a closing bracket that opens nowhere in the URL ends it). */
export function urlSpans(line: string): Span[] {
  const spans: Span[] = [];
  for (const match of line.matchAll(URL)) {
    let url = match[0].replace(URL_TAIL, '');
    // "(see http://x/y)": the bracket closes the prose, not the URL, unless the URL opened one.
    const opened = count(url, '(');
    let closed = count(url, ')');
    while (url.endsWith(')') && opened < closed) {
      url = url.slice(0, -1).replace(URL_TAIL, '');
      closed--;
    }
    spans.push({ start: match.index, end: match.index + url.length });
  }
  return spans;
}

function count(text: string, ch: string): number {
  return text.split(ch).length - 1;
}

/** The line with its URLs cut out (the rest as it stands). */
export function outsideUrls(line: string): string {
  let out = '';
  let from = 0;
  for (const span of urlSpans(line)) {
    out += `${line.slice(from, span.start)} `;
    from = span.end;
  }
  return out + line.slice(from);
}

/** The digit runs and host names of a text, URLs left out: what condensing must never lose. */
export function essentialsOf(text: string): string[] {
  const rest = outsideUrls(text);
  return [...(rest.match(HOST) ?? []), ...(rest.match(DIGITS) ?? [])];
}

/** The host names of a text, URLs left out. */
export function hostsOf(text: string): string[] {
  return outsideUrls(text).match(HOST) ?? [];
}

/** Whether every digit run and host name of `before` (outside URLs) is still in `after`. */
export function keepsEssentials(before: string, after: string): boolean {
  return essentialsOf(before).every((piece) => after.includes(piece));
}

/** Whether a text carries any digit or host name outside its URLs. */
export function carriesEssentials(text: string): boolean {
  return essentialsOf(text).length > 0;
}

/**
 * The words of a text for comparing what two texts say: lower case, split at white space and at
 * the marks that join names in alert texts (`/dev/md0:db1`, `db1.example.lan/Disk`,
 * `alertname=DiskFull`), surrounding punctuation off (`%` kept behind). Dots stay inside a word,
 * so a host name is one word.
 */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s:/=,()[\]<>{}|"']+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}%]+$/gu, ''))
    .filter((word) => word !== '');
}

/**
 * Whether every word of `line`, the `filler` words aside, is a word of `other`: the line then
 * tells nothing `other` does not (all its digits and names are there), and may go. A line of
 * filler words only is not "said" (nothing to compare).
 */
export function saidBy(line: string, other: string, filler: readonly string[] = []): boolean {
  const words = wordsOf(line).filter((word) => !filler.includes(word));
  if (words.length === 0) return false;
  const known = new Set(wordsOf(other));
  return words.every((word) => known.has(word));
}

/**
 * What an edit cut from `before` to give `after`, for the log: the ends around `after` when it is
 * a piece of `before`, else the part of `before` between what both begin and end with.
 */
export function removedPart(before: string, after: string): string {
  const at = after === '' ? -1 : before.indexOf(after);
  if (at >= 0) return `${before.slice(0, at).trim()} ${before.slice(at + after.length).trim()}`.trim();
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  return before.slice(head, before.length - tail).trim();
}
