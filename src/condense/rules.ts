/*
 * rules.ts - the generic condensing rules (SPEC 5), applied to every mail, also after a
 * recogniser: each drops one kind of text an SMS reader gains nothing from.
 *
 * Promise: pure; each rule takes the lines and returns those it keeps, logging every piece it
 * leaves out under its stable name (RULE). Only `link-target` and `url` cut inside a line, and
 * only the URL; every other rule drops whole lines of a kind that carries nothing (a banner, a
 * sign-off) or says again what is said (a repeat, a restated date). `applyRules` runs them to a
 * fixed point, so a second run changes nothing (idempotence).
 */
import { restatesDate } from './dates.js';
import { type DropLog, type Line, isBlank } from './lines.js';
import { carriesEssentials, hostsOf, saidBy, urlSpans, wordsOf } from './text.js';

/** The stable names of the generic rules, as they appear in `dropped[].rule`. */
export const RULE = {
  linkTarget: 'link-target',
  url: 'url',
  banner: 'banner',
  footer: 'footer',
  signOff: 'sign-off',
  dateRestated: 'date-restated',
  subjectRepeat: 'subject-repeat',
  repeatedLine: 'repeated-line',
  emptyHeading: 'empty-heading',
} as const;

export interface RuleContext {
  readonly subject: string | undefined;
  /** The mail's Date header, raw. */
  readonly date: string | undefined;
}

type Rule = (lines: readonly Line[], ctx: RuleContext, log: DropLog) => Line[];

/**
 * html-to-text writes a link as `text (url)` (parse/html-text.ts): the bracketed target goes, the
 * text stays. Brackets inside the URL must pair (Wikipedia-style); no lazy scan, so a line of
 * many "(http://" costs linear time.
 */
const LINK_TARGET = / ?\((?:https?|ftp):\/\/[^\s()]*(?:\([^\s()]*\)[^\s()]*)*\)(?=\s|$|[.,;:!?])/gi;
/** What is left of a line that only introduced its URL: nothing, or a label (`Source:`, `Go to the Alerts page:`). */
const LABEL_ONLY = /^(?:\p{L}[\p{L} /_-]{0,29}:)?$/u;
/** A line of punctuation only: `*****`, `-----`, `=====`, `-=-=-` (a digit or letter makes it text). */
const BANNER = /^[\s*=\-_#~+.:|<>/\\^]{3,}$/;
/**
 * Footer lines. Each goes only when it names no host outside its URLs, and, unless it is a
 * "Sent by" line (whose digits are a version or a year), no number: a line about an alert that
 * happens to contain "unsubscribe" stays.
 */
const SENT_BY = /^sent (?:by|from|with) \S+(?: \S+){0,6}$/i; // "Sent by Alertmanager", "Sent by Grafana v10.4.1 (c) 2026 Grafana Labs", "Sent from my phone"
const FOOTERS: readonly RegExp[] = [
  /\bunsubscribe\b/i,
  /\bto stop receiving (?:these|such|this)\b/i,
  /\b(?:manage|change|update) your (?:notification|e-?mail|alert|subscription)s? (?:settings|preferences)\b/i,
  /^(?:please )?do not reply to this (?:e-?mail|message|mail)\b/i,
];
/** "This is an automatically generated mail message …": dropped only when it names no host and no number. */
const AUTO_NOTICE = /^this (?:is an? |e-?mail |message |mail |notification )?(?:was |has been |is )?(?:an )?(?:automatically generated|automated|auto-generated)\b/i;
const SIGN_OFF = /^(?:your faithful employee|faithfully yours|yours faithfully|yours truly|best regards|kind regards|regards|sincerely|cheers|thanks|thank you)(?:,? etc\.?)?[,.!]?$/i;
/** A line that says when, for the date rule: `Date:`, `When:`, `Date/Time:`, `Time:`. */
const DATE_LINE = /^(?:date|when|date\/time|time)\s*:\s*(.+)$/i;
/** A heading: a few words ending in a colon, no digits. */
const HEADING = /^[\p{L}][\p{L} /()_-]{0,40}:$/u;

/** Drops link targets and bare URLs; a line with nothing but a label left goes with its URL. */
const dropUrls: Rule = (lines, _ctx, log) =>
  lines.flatMap((line) => {
    let text = line.text.replace(LINK_TARGET, (target: string, col: number) => {
      log.cut(RULE.linkTarget, line, target.trim(), col);
      return '';
    });
    const spans = urlSpans(text);
    if (spans.length === 0) return [text === line.text ? line : { ...line, text }];
    let rest = '';
    let from = 0;
    for (const span of spans) {
      rest += text.slice(from, span.start);
      from = span.end;
    }
    rest = (rest + text.slice(from)).replace(/ {2,}/g, ' ').trim();
    if (LABEL_ONLY.test(rest)) {
      log.drop(RULE.url, { ...line, text });
      return [];
    }
    for (const span of spans) log.cut(RULE.url, line, text.slice(span.start, span.end), span.start);
    text = rest;
    return [{ ...line, text }];
  });

const dropBanners: Rule = (lines, _ctx, log) => dropWhere(lines, log, RULE.banner, (line) => BANNER.test(line.text));

const dropFooters: Rule = (lines, _ctx, log) => dropWhere(lines, log, RULE.footer, ({ text }) => isFooter(text));

function isFooter(text: string): boolean {
  if (SENT_BY.test(text)) return !hostsOf(text).length;
  return (FOOTERS.some((re) => re.test(text)) || AUTO_NOTICE.test(text)) && !carriesEssentials(text);
}

/** A sign-off line, and up to two short name lines right under it ("Your faithful employee,\nMonit"). */
const dropSignOffs: Rule = (lines, _ctx, log) => {
  const out: Line[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!SIGN_OFF.test(line.text)) {
      out.push(line);
      continue;
    }
    log.drop(RULE.signOff, line);
    let names = 0;
    while (names < 2 && i + 1 < lines.length && isSignatureName(lines[i + 1]!, lines[i + 2])) {
      log.drop(RULE.signOff, lines[++i]!);
      names++;
    }
  }
  return out;
};

/** A name under a sign-off: short, no number or host, and the last line of its paragraph. */
function isSignatureName(line: Line, next: Line | undefined): boolean {
  return !isBlank(line) && line.text.length <= 30 && !carriesEssentials(line.text) && !/[:;]$/.test(line.text) && (next === undefined || isBlank(next));
}

const dropRestatedDates: Rule = (lines, ctx, log) =>
  dropWhere(lines, log, RULE.dateRestated, ({ text }) => {
    const m = DATE_LINE.exec(text);
    return m !== null && restatesDate(m[1]!, ctx.date);
  });

/**
 * The first body lines, while they only say what the subject says ("disk /var on db1 is
 * CRITICAL!"). Exported for recognisers, which must apply it before they reorder the lines.
 */
export function dropSubjectRepeat(lines: readonly Line[], subject: string | undefined, log: DropLog): Line[] {
  if (subject === undefined) return [...lines];
  let i = 0;
  while (i < lines.length && (isBlank(lines[i]!) || repeatsSubject(lines[i]!.text, subject))) log.drop(RULE.subjectRepeat, lines[i++]!);
  return lines.slice(i);
}

/** A repeat, not a fragment: the line says nothing the subject does not and at least half of what it says. */
function repeatsSubject(line: string, subject: string): boolean {
  return saidBy(line, subject) && 2 * new Set(wordsOf(line)).size >= new Set(wordsOf(subject)).size;
}

/** A line equal to an earlier one (case and trailing punctuation aside): its copy says the same. */
const dropRepeatedLines: Rule = (lines, _ctx, log) => {
  const seen = new Set<string>();
  return lines.filter((line) => {
    if (isBlank(line)) return true;
    const key = line.text.toLowerCase().replace(/[\s.,;:!]+$/, '');
    if (!seen.has(key)) {
      seen.add(key);
      return true;
    }
    log.drop(RULE.repeatedLine, line);
    return false;
  });
};

/** A heading followed (blank lines aside) by another heading or by the end: nothing of its own. */
const dropEmptyHeadings: Rule = (lines, _ctx, log) =>
  lines.filter((line, i) => {
    if (!HEADING.test(line.text)) return true;
    let j = i + 1;
    while (j < lines.length && isBlank(lines[j]!)) j++;
    if (j < lines.length && !HEADING.test(lines[j]!.text)) return true;
    log.drop(RULE.emptyHeading, line);
    return false;
  });

/** Blank lines at the ends go and runs shrink to one (what drops leave behind); not logged. */
function squeezeBlankLines(lines: readonly Line[]): Line[] {
  const out: Line[] = [];
  for (const line of lines) {
    if (isBlank(line) && (out.length === 0 || isBlank(out[out.length - 1]!))) continue;
    out.push(line);
  }
  while (out.length > 0 && isBlank(out[out.length - 1]!)) out.pop();
  return out;
}

function dropWhere(lines: readonly Line[], log: DropLog, rule: string, test: (line: Line) => boolean): Line[] {
  return lines.filter((line) => {
    if (isBlank(line) || !test(line)) return true;
    log.drop(rule, line);
    return false;
  });
}

/** In this order: URLs first, so a line left empty by them meets the line rules as what it is. */
const RULES: readonly Rule[] = [dropUrls, dropBanners, dropFooters, dropSignOffs, dropRestatedDates, (lines, ctx, log) => dropSubjectRepeat(lines, ctx.subject, log), dropRepeatedLines, dropEmptyHeadings];

/** Every generic rule, again until nothing changes (a drop can make a heading empty). */
export function applyRules(lines: readonly Line[], ctx: RuleContext, log: DropLog): Line[] {
  let current = squeezeBlankLines(lines);
  for (;;) {
    const before = log.size;
    for (const rule of RULES) current = squeezeBlankLines(rule(current, ctx, log));
    if (log.size === before) return current;
  }
}
