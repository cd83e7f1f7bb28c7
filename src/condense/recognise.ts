/*
 * recognise.ts - what a recogniser is (a declaration: which mails it claims, what it drops, what
 * it keeps and in which order) and the one interpreter of those declarations.
 *
 * Promise: pure. The code tests what a recogniser declares, never which tool it is for (STYLE 3,
 * as modem profiles). A recogniser claims a mail only when all its claims hold, the body
 * signature included. Order of work: subject edits, declared drops, the alert list (if declared),
 * the subject's repeat at the top, then the kept lines in declaration order and every line no
 * declaration names after them, in mail order (never dropped). A rewrite (of the subject or of a
 * line) that would lose a digit run or a host name is not made. Patterns carry no `g` flag
 * (`test` would then remember where it stopped).
 */
import { type AlertListFormat, condenseAlertList } from './alert-list.js';
import { restatesDate } from './dates.js';
import { type DropLog, type Line, isBlank } from './lines.js';
import { dropSubjectRepeat } from './rules.js';
import { keepsEssentials, removedPart, saidBy } from './text.js';
import type { ParsedMail } from '../parse/types.js';

export interface Recogniser {
  /** Stable, kebab-case; the prefix of its `dropped[].rule` names (`monit:event`). */
  readonly name: string;
  readonly claims: Claims;
  /** Edits of the subject, in order (where the tool's subject is mostly noise). */
  readonly subject?: readonly TextEdit[];
  /** Lines that go (applied before `keep`). */
  readonly drop?: readonly LineDrop[];
  /** What comes first, in this order. */
  readonly keep?: readonly LineKeep[];
  /** The body is a list of alerts with labels and annotations (alert-list.ts). */
  readonly alerts?: AlertListFormat;
}

export interface Claims {
  /** A header field (lower-case name) whose value must match. */
  readonly header?: { readonly name: string; readonly value: RegExp };
  readonly from?: RegExp;
  readonly subject?: RegExp;
  /**
   * The body's signature (a multiline pattern). Best a line the recogniser drops or rewrites, so
   * its own output is not claimed again; where the format has none, the stage's repeated passes
   * keep condensing idempotent (condense.ts).
   */
  readonly body: RegExp;
}

export interface TextEdit {
  readonly pattern: RegExp;
  readonly replace: string;
}

export interface LineDrop {
  /** The rule name after `<recogniser>:`. */
  readonly what: string;
  readonly line: RegExp;
  /** Drop only when the line (or its group 1) says nothing the subject does not say, these words aside. */
  readonly saidBySubject?: { readonly filler?: readonly string[] };
  /** The lines under it, to the next blank line, go too. */
  readonly withBlock?: boolean;
  /** Drop only when this (String.replace template over the match) is a date restating the mail's Date. */
  readonly restatesDate?: string;
}

export interface LineKeep {
  /** Lines matching this, in mail order. */
  readonly line?: RegExp;
  /** The lines under a heading matching this, to the next blank line; the heading goes. */
  readonly under?: RegExp;
  /** Rewrites each such line (String.replace with `line`), logged as `<recogniser>:<what>`. */
  readonly as?: { readonly replace: string; readonly what: string };
}

export interface Recognised {
  readonly subject: string | undefined;
  readonly lines: Line[];
}

/** Whether the recogniser's claims all hold for the mail. */
export function claimsMail(r: Recogniser, mail: ParsedMail): boolean {
  const c = r.claims;
  if (c.header && !c.header.value.test(mail.headers.get(c.header.name) ?? '')) return false;
  if (c.from && !c.from.test(mail.from ?? '')) return false;
  if (c.subject && !c.subject.test(mail.subject ?? '')) return false;
  return c.body.test(mail.text ?? '');
}

export function applyRecogniser(r: Recogniser, mail: ParsedMail, body: readonly Line[], log: DropLog): Recognised {
  const subject = editSubject(r, mail.subject, log);
  const declared = dropDeclared(r, body, subject ?? '', mail.headers.get('date'), log);
  const listed = r.alerts ? condenseAlertList(r.alerts, r.name, subject ?? '', declared, log) : declared;
  // The repeat of the subject is found where the tool put it, at the top, before lines move
  // (and after the alert list has read its state headings, which the subject also says).
  const { kept, left } = takeKept(r, dropSubjectRepeat(listed, subject, log), log);
  return { subject, lines: [...kept, ...left.filter((line) => !isBlank(line))] };
}

function editSubject(r: Recogniser, subject: string | undefined, log: DropLog): string | undefined {
  if (subject === undefined || !r.subject) return subject;
  let edited = subject;
  for (const edit of r.subject) edited = edited.replace(edit.pattern, edit.replace).trim();
  if (edited === subject || edited === '' || !keepsEssentials(subject, edited)) return subject;
  log.cut(`${r.name}:subject`, { text: subject, at: -1 }, removedPart(subject, edited), 0);
  return edited;
}

function dropDeclared(r: Recogniser, body: readonly Line[], subject: string, date: string | undefined, log: DropLog): Line[] {
  const out: Line[] = [];
  for (let i = 0; i < body.length; i++) {
    const line = body[i]!;
    const rule = r.drop?.find((d) => dropsLine(d, line.text, subject, date));
    if (rule === undefined) {
      out.push(line);
      continue;
    }
    log.drop(`${r.name}:${rule.what}`, line);
    if (!rule.withBlock) continue;
    while (i + 1 < body.length && !isBlank(body[i + 1]!)) log.drop(`${r.name}:${rule.what}`, body[++i]!);
  }
  return out;
}

function dropsLine(d: LineDrop, text: string, subject: string, date: string | undefined): boolean {
  const m = d.line.exec(text);
  if (!m) return false;
  if (d.restatesDate !== undefined && !restatesDate(m[0].replace(d.line, d.restatesDate), date)) return false;
  return d.saidBySubject === undefined || saidBy(m[1] ?? m[0], subject, d.saidBySubject.filler);
}

/** The lines of each `keep` declaration, in declaration order; `left` is the rest in mail order. */
function takeKept(r: Recogniser, lines: readonly Line[], log: DropLog): { kept: Line[]; left: Line[] } {
  const taken = new Set<Line>();
  const kept: Line[] = [];
  for (const k of r.keep ?? []) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (taken.has(line)) continue;
      if (k.line?.test(line.text)) {
        taken.add(line);
        kept.push(rewrite(r, k, line, log));
      } else if (k.under?.test(line.text)) {
        taken.add(line);
        log.drop(`${r.name}:heading`, line);
        let j = i + 1;
        while (j < lines.length && isBlank(lines[j]!)) j++;
        for (; j < lines.length && !isBlank(lines[j]!) && !taken.has(lines[j]!); j++) {
          taken.add(lines[j]!);
          kept.push(rewrite(r, k, lines[j]!, log));
        }
      }
    }
  }
  return { kept, left: lines.filter((line) => !taken.has(line)) };
}

function rewrite(r: Recogniser, k: LineKeep, line: Line, log: DropLog): Line {
  if (!k.as) return line;
  const text = line.text.replace(k.line ?? /^/, k.as.replace).trim();
  if (text === line.text || text === '' || !keepsEssentials(line.text, text)) return line;
  log.cut(`${r.name}:${k.as.what}`, line, removedPart(line.text, text), 0);
  return { ...line, text };
}
