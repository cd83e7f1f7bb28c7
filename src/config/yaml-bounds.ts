/*
 * yaml-bounds.ts - the limits a YAML text must keep before it is composed (issue 12).
 *
 * Promise: never throws, linear in the text. The yaml composer recurses once per nesting level;
 * 20,000 levels of `[`, `- - -` or `a: a: a:` (40 KB) exhaust the stack and V8 aborts the whole process
 * instead of throwing, so the depth is measured on the lexer's tokens first (the lexer does not
 * recurse and knows quotes and comments). Deep block nesting by indentation alone needs a text
 * quadratic in its depth, which the file size bound of the caller already stops. Aliases are
 * bounded by yaml itself (MAX_YAML_ALIASES, given to toJS as maxAliasCount).
 */
import { Lexer } from 'yaml';

/** Config and provisioning files nest a handful of levels; this leaves ample room. */
export const MAX_YAML_DEPTH = 64;
/** yaml's `maxAliasCount`: alias expansions allowed in one document (the billion-laughs bound). */
export const MAX_YAML_ALIASES = 100;

/** The deepest nesting of flow collections plus the compact block indicators on one line. */
export function yamlDepth(text: string): number {
  let max = 0;
  let flow = 0;
  let compact = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') flow += 1;
    else if ((token === ']' || token === '}') && flow > 0) flow -= 1;
    // `a: b: c: …` on one line nests a block map per `:` in yaml's parser, as `- - -` does
    else if (token === '-' || token === '?' || (token === ':' && flow === 0)) compact += 1;
    else if (token === '\n' || token === '\r\n') compact = 0;
    max = Math.max(max, flow + compact);
  }
  return max;
}
