/*
 * Properties of condensing (SPEC 5, issue 11), over arbitrary bodies built from the lines alert
 * mails are made of (host names, IPs, numbers, URLs, banners, footers, repeats), alone and
 * appended to the real alert mails: every digit run and host name of each line the condenser
 * keeps (outside URLs) is still in the output; condensing twice equals condensing once; a body
 * never comes out empty.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { condenseMail, type CondenseResult } from '../../../src/condense/index.js';
import { essentialsOf } from '../../../src/condense/text.js';
import { parseMail, type ParsedMail } from '../../../src/parse/index.js';
import { mailOf } from './mail.js';

const host = fc.oneof(
  fc.tuple(fc.constantFrom('db', 'web', 'mon', 'nas'), fc.nat(99), fc.constantFrom('.example.lan', '.site.example')).map(([a, n, d]) => `${a}${n}${d}`),
  fc.tuple(fc.constantFrom('db1.example.lan', 'prom1.example.lan'), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
);
const ip = fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `192.0.${a}.${b}`);
const number = fc.oneof(fc.nat(100_000).map(String), fc.nat(100).map((n) => `${n}%`), fc.tuple(fc.nat(999), fc.nat(9)).map(([a, b]) => `${a}.${b}`));
const url = fc.tuple(fc.constantFrom('http', 'https'), host, fc.constantFrom('', '/d/1', '/graph?g0.expr=up%7Bjob%3D%22node%22%7D', '/#/alerts?receiver=sms')).map(([s, h, p]) => `${s}://${h}${p}`);
const word = fc.constantFrom('disk', 'full', 'CRITICAL', 'is', 'on', 'free', 'space', 'pump', 'stopped', 'Host:', 'State:', 'OK', 'DOWN', 'the', 'at', '/var', '/dev/sda3', 'Source');
const token = fc.oneof({ weight: 4, arbitrary: word }, { weight: 2, arbitrary: host }, { weight: 1, arbitrary: ip }, { weight: 2, arbitrary: number }, { weight: 1, arbitrary: url }, { weight: 1, arbitrary: url.map((u) => `dashboard (${u})`) });
const textLine = fc.array(token, { minLength: 1, maxLength: 6 }).map((t) => t.join(' '));
const noiseLine = fc.constantFrom('*****', '-----------', '=====', '', 'Sent by Alertmanager', 'Your faithful employee,', 'Details:', 'Date: Wed, 02 Dec 2026 06:39:49 +0000', 'To unsubscribe, reply STOP');

/** Body lines: text, noise, and copies of earlier lines. */
const bodyLines = fc
  .array(fc.oneof({ weight: 3, arbitrary: textLine }, { weight: 1, arbitrary: noiseLine }), { minLength: 1, maxLength: 12 })
  .chain((lines) => fc.array(fc.nat(lines.length - 1), { maxLength: 3 }).map((copies) => [...lines, ...copies.map((i) => lines[i]!)]));

const subject = fc.oneof(fc.constant(undefined), textLine);

/** Whole lines the condenser left out (a line it cut a URL from is not among them). */
function droppedLines(result: CondenseResult): Set<string> {
  return new Set(result.dropped.map((d) => d.text));
}

/** Rules that drop a line because the rest of the mail says it: what it carries is still there. */
const SAID_ELSEWHERE = /^(?:repeated-line|subject-repeat|[a-z0-9-]+:(?:in-subject|label))$/;

/**
 * Every input line is either dropped whole (by a named rule) or keeps all its digit runs and host
 * names; a line dropped because it repeats the subject or another line has them in the output.
 */
function checkEssentials(input: ParsedMail, result: CondenseResult): void {
  const out = `${result.mail.subject ?? ''}\n${result.mail.text ?? ''}`;
  for (const d of result.dropped.filter((d) => SAID_ELSEWHERE.test(d.rule))) {
    for (const piece of essentialsOf(d.text)) expect(out, `${piece} of ${d.rule} ${JSON.stringify(d.text)}`).toContain(piece);
  }
  const whole = droppedLines(result);
  for (const line of (input.text ?? '').split('\n')) {
    const unlinked = line.replace(/ ?\((?:https?|ftp):\/\/\S*?\)(?=\s|$)/g, '');
    if (whole.has(line) || whole.has(unlinked.trim())) continue;
    for (const piece of essentialsOf(unlinked)) expect(out, `${piece} of ${JSON.stringify(line)}`).toContain(piece);
  }
}

function checkAll(input: ParsedMail): void {
  const result = condenseMail(input);
  checkEssentials(input, result);
  expect(condenseMail(result.mail).mail).toEqual(result.mail);
  if (input.text !== undefined && input.text !== '') expect(result.mail.text ?? '').not.toBe('');
}

describe('condensing properties', () => {
  it('keeps every digit run and host name of the lines it keeps, is idempotent and never empties a body', () => {
    fc.assert(
      fc.property(subject, bodyLines, (subj, lines) => {
        checkAll(mailOf({ subject: subj, text: lines.join('\n'), headers: { date: 'Wed, 02 Dec 2026 06:39:49 +0000' } }));
      }),
      { numRuns: 400 },
    );
  });

  it('holds as well for the real alert mails with arbitrary lines added', async () => {
    const dir = join(import.meta.dirname, '../../fixtures/mail/alerts');
    const mails = new Map<string, ParsedMail>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
      const parsed = await parseMail(readFileSync(join(dir, file)));
      if (parsed.ok) mails.set(file, parsed.mail);
    }
    fc.assert(
      fc.property(fc.constantFrom(...mails.keys()), bodyLines, fc.boolean(), (file, lines, before) => {
        const mail = mails.get(file)!;
        const extra = lines.join('\n');
        checkAll({ ...mail, text: before ? `${extra}\n${mail.text ?? ''}` : `${mail.text ?? ''}\n${extra}` });
      }),
      { numRuns: 400 },
    );
  });
});
