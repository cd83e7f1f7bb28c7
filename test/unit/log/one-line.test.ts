/*
 * Issue 12: one message per line, no stack for an expected failure, no internal document cited
 * in what a user reads. The last two are checked over the source: every string literal in src/
 * (log messages, CLI output, SMTP replies) and every log call's message.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { createLogger, foldLines, reasonOf } from '../../../src/log/index.js';

const SRC = resolve(import.meta.dirname, '../../../src');
const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));

/** Every string literal and template text of the file, with its line. */
function literals(file: string): Array<{ line: number; text: string; node: ts.Node }> {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Array<{ line: number; text: string; node: ts.Node }> = [];
  const visit = (n: ts.Node): void => {
    const texts = ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) ? [n.text] : ts.isTemplateExpression(n) ? [n.head.text, ...n.templateSpans.map((s) => s.literal.text)] : [];
    for (const text of texts) found.push({ line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, text, node: n });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('log lines (issue 12)', () => {
  it('folds a multi-line message into one line', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
    logger.warn({ event: 'x' }, 'invalid configuration:\n  a.yaml:1: a\n  a.yaml:2: b\n');
    logger.info('plain');
    expect(lines.map((l) => l['msg'])).toEqual(['invalid configuration:; a.yaml:1: a; a.yaml:2: b', 'plain']);
    expect(foldLines('one line')).toBe('one line');
  });

  it('reasonOf gives the text and code of a failure, never its stack', () => {
    const err = new GatewayError('M2S_AT_PORT', 'cannot open /dev/ttyUSB2: No such file or directory');
    expect(reasonOf(err)).toEqual({ reason: 'cannot open /dev/ttyUSB2: No such file or directory', code: 'M2S_AT_PORT' });
    expect(reasonOf('gone')).toEqual({ reason: 'gone' });
  });

  it('no string in src/ cites an internal document (SPEC n, seed n): comments may, what a user reads may not', () => {
    // Schema text of old migrations is history (migrations are append-only): its SQL comments stay.
    const cited = walk(SRC)
      .filter((f) => !f.endsWith('migrations.ts'))
      .flatMap((f) => literals(f).filter((l) => /\bSPEC \d|\bseed \d{3}/i.test(l.text)).map((l) => `${f.slice(SRC.length + 1)}:${l.line}: ${l.text.slice(0, 80)}`));
    expect(cited).toEqual([]);
  });

  it('no log call in src/ writes a line break into its message', () => {
    const broken = walk(SRC).flatMap((f) => {
      const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
      const hits: string[] = [];
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && /^(trace|debug|info|warn|error|fatal)$/.test(n.expression.name.text)) {
          const msg = n.arguments[1] ?? n.arguments[0];
          if (msg && /\\n|\n/.test(msg.getText(sf)) && !ts.isObjectLiteralExpression(msg)) hits.push(`${f.slice(SRC.length + 1)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
      return hits;
    });
    expect(broken).toEqual([]);
  });
});
