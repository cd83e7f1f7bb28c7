/*
 * condense.ts - the condensing stage (SPEC 5, issue 11): between parse and compose, it leaves out
 * of an alert mail what a phone reader gains nothing from and puts what matters first, so the
 * first 160 characters say what, where, state and severity.
 *
 * Promise: pure (no clock, no I/O; lint-imports.mjs enforces it). The mail comes back with only
 * `subject` and `text` changed. The first recogniser that claims the mail (recognisers.ts)
 * reorders and drops by its declaration; then the generic rules (rules.ts) run on every mail.
 * Invariants, each tested (test/unit/condense/):
 * - nothing but a URL is cut from inside a line, so every digit run and host name of a kept line
 *   stays; whole lines go only by a named rule (a banner, a line the subject already says ...);
 * - never empty: a body with nothing left goes on uncondensed (its drops are then not reported);
 *   so does a subject (recognise.ts never makes it blank);
 * - idempotent: a recogniser consumes its own signature where it can, and recogniser and
 *   generic rules run again until nothing changes (MAX_PASSES), so condensing the result again
 *   changes nothing.
 * Like Postfix's cleanup, it reports what it changed: `dropped`, in mail order, for preview and
 * the verdict@ reply. The pipeline calls it only for `condense: auto` and ordinary (not x-smpp) mails.
 */
import { DropLog, type Line, fromLines, toLines } from './lines.js';
import { type Recogniser, applyRecogniser, claimsMail } from './recognise.js';
import { RECOGNISERS } from './recognisers.js';
import { applyRules } from './rules.js';
import type { CondenseResult } from './types.js';
import type { ParsedMail } from '../parse/types.js';

/** Passes over the mail at most: one is the rule, a second is needed when a generic rule made a line a recogniser keeps. */
const MAX_PASSES = 3;

export function condenseMail(mail: ParsedMail): CondenseResult {
  const log = new DropLog();
  const date = mail.headers.get('date');
  let subject = mail.subject;
  let lines: readonly Line[] = toLines(mail.text);
  let recogniser: Recogniser | null = null;
  // Again until nothing changes, so that condensing the result changes nothing: a URL cut can
  // leave a line ("Host: db1") that a recogniser still claiming the mail would move.
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const view: ParsedMail = { ...mail, subject, text: fromLines(lines) };
    const claimer = RECOGNISERS.find((r) => claimsMail(r, view)) ?? null;
    if (pass === 0) recogniser = claimer;
    const before = log.size;
    const recognised = claimer ? applyRecogniser(claimer, view, lines, log) : { subject, lines: [...lines] };
    const next = applyRules(recognised.lines, { subject: recognised.subject, date }, log);
    const same = recognised.subject === subject && fromLines(next) === fromLines(lines);
    subject = recognised.subject;
    lines = next;
    if (same && log.size === before) break;
  }
  let text: string | undefined = fromLines(lines);
  if (text === '') {
    // Nothing left of the body: it goes as parsed (SPEC 5, "never empties a mail").
    text = mail.text;
    log.forgetBody();
  }
  return {
    mail: { ...mail, subject, text },
    recogniser: recogniser?.name ?? null,
    dropped: log.inMailOrder(),
  };
}
