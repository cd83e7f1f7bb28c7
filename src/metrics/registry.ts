/*
 * registry.ts - a small Prometheus registry: counters and gauges with labels, rendered in the
 * text exposition format 0.0.4 for GET /metrics (SPEC 11).
 *
 * Promise: pure, no I/O and no clock. A mistake in how a metric is defined or used (a name the
 * format forbids, a name defined twice, a label set with missing or extra names, a counter
 * going down) throws an Error at once, naming the metric: these are bugs, found by the first
 * test that touches the metric, never a malformed scrape. Given the same calls, render() gives
 * the same text: metrics in definition order, label sets in the order first seen, label pairs
 * in the order the metric names them.
 *
 * Format (Prometheus "Exposition formats", text format 0.0.4):
 * - `# HELP name text` with `\` and newline escaped; `# TYPE name counter|gauge`; then one
 *   `name{label="value",...} number` line per label set, label values with `\`, `"` and newline
 *   escaped. No timestamps: the scrape time is the sample time.
 * - Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do
 *   not start with `__` (reserved for Prometheus itself).
 * - Numbers as Go's ParseFloat reads them: integers plainly, `NaN`, `+Inf`, `-Inf`.
 *
 * A counter without labels shows 0 before its first inc(), so rate() has a starting point; a
 * labelled counter shows at 0 the label sets it is defined with (`known`), and any other only
 * once given (HELP and TYPE still appear).
 * Gauges that mirror state (queue depth, route health) are rebuilt at scrape time: reset()
 * them and set() again in an onCollect() callback, which render() runs first.
 * Limit: no histograms or summaries; nothing here needs them yet.
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values by label name; `L` is the union of the metric's label names. */
export type Labels<L extends string = string> = Readonly<Record<L, string>>;

export interface Counter<L extends string = string> {
  /** Adds `n` (default 1, must be finite and >= 0) to the label set's count. */
  inc(labels?: Labels<L>, n?: number): void;
}

export interface Gauge<L extends string = string> {
  set(labels: Labels<L>, value: number): void;
  /** Forgets every label set; for gauges rebuilt in an onCollect() callback. */
  reset(): void;
}

type MetricType = 'counter' | 'gauge';

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** Label values in labelNames order, keyed by their JSON; Map keeps first-seen order. */
  readonly samples: Map<string, { readonly values: readonly string[]; value: number }>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class Metrics {
  readonly #families: Family[] = [];
  readonly #collectors: Array<() => void> = [];

  /** `known`: label sets shown at 0 from the start (a counter without labels always is). */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], known: readonly Labels<L>[] = []): Counter<L> {
    const family = this.#define(name, help, 'counter', labelNames);
    if (labelNames.length === 0) family.samples.set('[]', { values: [], value: 0 });
    for (const labels of known) sampleOf(family, labels);
    return {
      inc: (labels, n = 1) => {
        if (!Number.isFinite(n) || n < 0) {
          throw new Error(`metric ${name}: a counter only goes up; inc(${String(n)}) is not a finite number >= 0`);
        }
        sampleOf(family, labels ?? {}).value += n;
      },
    };
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    const family = this.#define(name, help, 'gauge', labelNames);
    return {
      set: (labels, value) => {
        if (typeof value !== 'number') throw new Error(`metric ${name}: value ${String(value)} is not a number`);
        sampleOf(family, labels).value = value;
      },
      reset: () => family.samples.clear(),
    };
  }

  /** `fn` runs at the start of every render(), in the order registered, to fill scrape-time gauges. */
  onCollect(fn: () => void): void {
    this.#collectors.push(fn);
  }

  /** The whole registry in text format 0.0.4; '' when nothing is defined. */
  render(): string {
    for (const collect of this.#collectors) collect();
    return this.#families.map(renderFamily).join('');
  }

  #define(name: string, help: string, type: MetricType, labelNames: readonly string[]): Family {
    if (!METRIC_NAME.test(name)) {
      throw new Error(`metric name ${JSON.stringify(name)} is not valid: it must match ${METRIC_NAME.source}`);
    }
    if (this.#families.some((f) => f.name === name)) throw new Error(`metric ${name} is already defined`);
    const seen = new Set<string>();
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new Error(`metric ${name}: label name ${JSON.stringify(label)} is not valid: it must match ${LABEL_NAME.source} and not start with __`);
      }
      if (seen.has(label)) throw new Error(`metric ${name}: label name ${label} is given twice`);
      seen.add(label);
    }
    const family: Family = { name, help, type, labelNames: [...labelNames], samples: new Map() };
    this.#families.push(family);
    return family;
  }
}

/** The sample for `labels`, created at 0 when first seen; throws naming missing or extra labels. */
function sampleOf(family: Family, labels: Readonly<Record<string, string>>): { readonly values: readonly string[]; value: number } {
  checkLabels(family, labels);
  const values = family.labelNames.map((l) => labels[l] as string);
  const key = JSON.stringify(values);
  let sample = family.samples.get(key);
  if (!sample) {
    sample = { values, value: 0 };
    family.samples.set(key, sample);
  }
  return sample;
}

function checkLabels(family: Family, labels: Readonly<Record<string, string>>): void {
  const given = Object.keys(labels);
  const missing = family.labelNames.filter((l) => !Object.hasOwn(labels, l));
  const extra = given.filter((l) => !family.labelNames.includes(l));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`missing label ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`unexpected label ${extra.join(', ')}`] : []),
    ];
    throw new Error(`metric ${family.name}: ${parts.join('; ')} (its labels: ${family.labelNames.join(', ') || 'none'})`);
  }
  for (const l of family.labelNames) {
    if (typeof labels[l] !== 'string') throw new Error(`metric ${family.name}: label ${l} is not a string`);
  }
}

function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const { values, value } of family.samples.values()) {
    const pairs = family.labelNames.map((l, i) => `${l}="${escapeLabelValue(values[i] as string)}"`);
    lines.push(`${family.name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** HELP text: backslash and line feed escaped (format 0.0.4). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value: backslash, double quote and line feed escaped (format 0.0.4). */
export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it: NaN, +Inf, -Inf, integers without a fraction. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Object.is(value, -0)) return '0';
  return String(value);
}
