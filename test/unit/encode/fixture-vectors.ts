/*
 * fixture-vectors.ts - loads the third-party SMS vectors in test/fixtures/sms-pdu/ (see the
 * SOURCES.md there) and the GSM 03.38 table in test/fixtures/gsm-0338/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Vector {
  readonly id: string;
  readonly kind: string;
  readonly input: Record<string, unknown>;
  readonly expected: Record<string, unknown>;
  readonly pdu_includes_smsc?: boolean;
  readonly notes?: string;
}

function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url)), 'utf8'));
}

const ALL = (readFixture('sms-pdu/encode-vectors.json') as { vectors: Vector[] }).vectors;

export function vectorsOf(kind: string): Vector[] {
  return ALL.filter((v) => v.kind === kind);
}

export interface Gsm0338Entry {
  readonly gsm: string;
  readonly unicode: string;
  readonly char: string;
  readonly name: string;
}

export const GSM0338 = readFixture('gsm-0338/gsm0338.json') as {
  readonly default_alphabet: Record<string, Gsm0338Entry>;
  readonly extension_table: Record<string, Gsm0338Entry>;
};

/** Splits vectors into those run and those skipped, each skip with its reason. */
export function partition(
  vectors: readonly Vector[],
  skipReason: (v: Vector) => string | undefined,
): { run: Vector[]; skipped: { id: string; reason: string }[] } {
  const run: Vector[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const v of vectors) {
    const reason = skipReason(v);
    if (reason === undefined) run.push(v);
    else skipped.push({ id: v.id, reason });
  }
  return { run, skipped };
}
