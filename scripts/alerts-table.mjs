#!/usr/bin/env node
/*
 * alerts-table.mjs - the table of docs/alerts.md: for every alert mail in test/fixtures/mail/alerts,
 * the recogniser that claimed it, the segments it takes with condensing off and on (the default
 * account otherwise), and the first SMS as the phone shows it. Runs the built code (`npm run
 * build` first), the same planSms() that SMTP intake and `mail2sms preview` use.
 *
 * Usage: node scripts/alerts-table.mjs [--full]   (--full also prints each whole condensed text)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { full: { type: 'boolean' } } });
const { DEFAULT_ACCOUNT } = await import(join(ROOT, 'dist/accounts/index.js'));
const { parseMail } = await import(join(ROOT, 'dist/parse/index.js'));
const { planSms, segmentsBefore } = await import(join(ROOT, 'dist/draft.js'));

const dir = join(ROOT, 'test/fixtures/mail/alerts');
const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
const cell = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, '⏎');
console.log('| mail | recognised as | segments off → on | first SMS (as sent) |');
console.log('|---|---|---|---|');
const full = [];
for (const file of files) {
  const parsed = await parseMail(readFileSync(join(dir, file)));
  if (!parsed.ok) {
    console.log(`| ${file} | unparseable: ${parsed.reason} | | |`);
    continue;
  }
  const on = planSms(parsed.mail, DEFAULT_ACCOUNT);
  if (!on.ok) {
    console.log(`| ${file} | refused: ${on.error.responseCode} ${on.error.message} | | |`);
    continue;
  }
  const d = on.draft;
  const before = segmentsBefore(d, DEFAULT_ACCOUNT);
  console.log(`| \`${file}\` | ${d.condensed?.recogniser ?? '(generic rules)'} | ${before} → ${d.parts.length} | ${cell(d.parts[0] ?? '')} |`);
  full.push(`### ${file}\n\n\`\`\`\n${d.text}\n\`\`\`\n`);
}
if (values.full) console.log(`\n${full.join('\n')}`);
