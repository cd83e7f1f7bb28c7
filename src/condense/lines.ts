/*
 * lines.ts - the working form of a mail body while it is condensed: lines that remember where
 * they stood in the mail, and the log of what was left out.
 *
 * Promise: plain data and small helpers. `at` is the line's index in the body as parsed (the
 * subject is -1), `col` the offset of a piece cut out of a line, so the log can be given back in
 * mail order however recognisers reorder the lines (CondenseResult.dropped).
 */
import type { DroppedText } from './types.js';

export interface Line {
  readonly text: string;
  /** Index of the line in the parsed body; -1 for the subject. */
  readonly at: number;
}

export interface Drop extends DroppedText {
  readonly at: number;
  readonly col: number;
}

/** The log of what was left out; `drop` and `cut` append, `inMailOrder` reads it back. */
export class DropLog {
  private readonly drops: Drop[] = [];

  /** A whole line left out by `rule`. Blank lines are not logged: a preview has nothing to show. */
  drop(rule: string, line: Line): void {
    if (line.text !== '') this.drops.push({ rule, text: line.text, at: line.at, col: 0 });
  }

  /** A piece of a line left out by `rule`, at offset `col` of the line as it was. */
  cut(rule: string, line: Line, text: string, col: number): void {
    this.drops.push({ rule, text, at: line.at, col });
  }

  get size(): number {
    return this.drops.length;
  }

  /** Forgets what was logged for the body (the body goes on uncondensed). */
  forgetBody(): void {
    const kept = this.drops.filter((d) => d.at < 0);
    this.drops.splice(0, this.drops.length, ...kept);
  }

  inMailOrder(): DroppedText[] {
    return [...this.drops].sort((a, b) => a.at - b.at || a.col - b.col).map(({ rule, text }) => ({ rule, text }));
  }
}

export function toLines(text: string | undefined): Line[] {
  if (text === undefined || text === '') return [];
  return text.split('\n').map((line, at) => ({ text: line, at }));
}

export function fromLines(lines: readonly Line[]): string {
  return lines.map((line) => line.text).join('\n');
}

export function isBlank(line: Line): boolean {
  return line.text.trim() === '';
}
