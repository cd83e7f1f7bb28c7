/*
 * alert-list.ts - condenses a body that lists alerts as label and annotation pairs (Prometheus
 * Alertmanager's default e-mail templates; SPEC 5): per alert, what is wrong first, then only what
 * the subject does not already say.
 *
 * Promise: pure; driven by an AlertListFormat (the tool's headings and pair syntax), never by a
 * tool's name. A label whose value the subject already says is not repeated ("labels already in
 * the subject"). One alert: its headline annotation (summary, else description), then the labels
 * the subject lacks, then the other annotations as long as `(subject) body` stays within one SMS
 * (SINGLE_SMS). Several alerts: one line per alert, `[state] labels-the-subject-lacks: headline`,
 * so each names its instance. The headline is never dropped; a label value is dropped only when
 * the subject or the alert's own line says it. Lines outside the alerts are kept after them.
 */
import { gsm7SeptetCount } from '../encode/index.js';
import type { DropLog, Line } from './lines.js';
import { saidBy, urlSpans } from './text.js';

export interface AlertListFormat {
  /** The line that opens an alert's labels (`Labels`, `Labels:`). */
  readonly labels: RegExp;
  /** The line that opens its annotations, when the format has one. */
  readonly annotations?: RegExp;
  /** A label line: group 1 the name, group 2 the value. */
  readonly labelPair: RegExp;
  /** An annotation line (under `annotations`, or anywhere after the labels when it has no heading). */
  readonly annotationPair: RegExp;
  /** The line that closes an alert (its link to the source). */
  readonly end: RegExp;
  /** A state heading over the alerts that follow (`[2] Firing`): group 1 the state. */
  readonly section: RegExp;
  /** Annotation names (lower case) that say what is wrong, best first. */
  readonly headline: readonly string[];
}

/** Septets one SMS holds (3GPP TS 23.038 §6.1.2.1.1: 140 octets); compose writes `(subject) body`. */
export const SINGLE_SMS = 160;
/** UCS-2 characters one SMS holds, when the text has a character GSM 7-bit lacks. */
const SINGLE_UCS2_SMS = 70;

/** Whether `(subject) body` fits one SMS, counting as the encoder does (`[`, `]`, `{` … take two septets). */
export function fitsOneSms(text: string): boolean {
  const septets = gsm7SeptetCount(text);
  return septets === undefined ? text.length <= SINGLE_UCS2_SMS : septets <= SINGLE_SMS;
}

interface Pair {
  readonly name: string;
  readonly value: string;
  readonly line: Line;
}

interface Alert {
  readonly state: string | undefined;
  readonly labels: Pair[];
  readonly annotations: Pair[];
  /** Headings and the closing link. */
  readonly frame: Line[];
}

/**
 * Reads the alerts; lines that belong to none are returned in `other`. A line inside an alert
 * that is no pair ends the alert (it is then kept as other text): guessing it continues a value
 * would glue unrelated text to a label.
 */
function readAlerts(f: AlertListFormat, lines: readonly Line[]): { alerts: Alert[]; other: Line[] } {
  const alerts: Alert[] = [];
  const other: Line[] = [];
  let state: string | undefined;
  let alert: Alert | undefined;
  let into: 'labels' | 'annotations' | undefined;
  for (const line of lines) {
    const section = f.section.exec(line.text);
    const label = into === 'labels' ? f.labelPair.exec(line.text) : null;
    const annotation = alert && into !== undefined && !label ? f.annotationPair.exec(line.text) : null;
    if (section) {
      state = section[1];
      other.push(line);
      alert = into = undefined;
    } else if (f.labels.test(line.text)) {
      alert = { state, labels: [], annotations: [], frame: [line] };
      alerts.push(alert);
      into = 'labels';
    } else if (alert && f.annotations?.test(line.text)) {
      alert.frame.push(line);
      into = 'annotations';
    } else if (alert && (f.end.test(line.text) || (annotation && isUrl(annotation[2]!)))) {
      // The closing link, or an annotation that is only a link ("Go to the Alerts page: <url>").
      alert.frame.push(line);
      alert = into = undefined;
    } else if (alert && label) {
      alert.labels.push({ name: label[1]!, value: label[2]!.trim(), line });
    } else if (alert && annotation && (into === 'annotations' || f.annotations === undefined)) {
      alert.annotations.push({ name: annotation[1]!.toLowerCase(), value: annotation[2]!.trim(), line });
      into = 'annotations';
    } else {
      other.push(line);
      alert = into = undefined;
    }
  }
  return { alerts, other };
}

export function condenseAlertList(f: AlertListFormat, name: string, subject: string, lines: readonly Line[], log: DropLog): Line[] {
  const { alerts, other } = readAlerts(f, lines);
  if (alerts.length === 0) return [...lines];
  for (const line of other.filter((l) => f.section.test(l.text))) log.drop(`${name}:heading`, line);
  for (const alert of alerts) for (const line of alert.frame) log.drop(`${name}:${urlSpans(line.text).length > 0 ? 'link' : 'heading'}`, line);
  const rest = other.filter((l) => !f.section.test(l.text));
  const states = new Set(alerts.map((a) => a.state));
  const body = alerts.length === 1 ? singleAlert(f, name, subject, alerts[0]!, log) : alerts.map((a) => alertLine(f, name, subject, a, states.size > 1, log));
  return [...body, ...rest];
}

function isUrl(value: string): boolean {
  const spans = urlSpans(value.trim());
  return spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === value.trim().length;
}

function headlineOf(f: AlertListFormat, alert: Alert): Pair | undefined {
  for (const wanted of f.headline) {
    const found = alert.annotations.find((a) => a.name === wanted);
    if (found) return found;
  }
  return undefined;
}

/** The labels neither the subject nor the alert's headline says; the others are logged as dropped. */
function ownLabels(name: string, subject: string, alert: Alert, headline: Pair | undefined, log: DropLog): Pair[] {
  return alert.labels.filter((label) => {
    if (!saidBy(label.value, subject) && !(headline && saidBy(label.value, headline.value))) return true;
    log.drop(`${name}:label`, label.line);
    return false;
  });
}

function singleAlert(f: AlertListFormat, name: string, subject: string, alert: Alert, log: DropLog): Line[] {
  const headline = headlineOf(f, alert);
  const labels = ownLabels(name, subject, alert, headline, log);
  const out: Line[] = [];
  if (headline) out.push({ text: headline.value, at: headline.line.at });
  if (labels.length > 0) out.push({ text: labels.map((l) => `${l.name}=${l.value}`).join(' '), at: labels[0]!.line.at });
  // The other annotations, best first, while the whole still fits one SMS.
  const others = alert.annotations.filter((a) => a !== headline).sort((a, b) => rank(f, a) - rank(f, b));
  for (const a of others) {
    const text = f.headline.includes(a.name) ? a.value : `${a.name}: ${a.value}`;
    if (fitsOneSms(`(${subject}) ${[...out.map((l) => l.text), text].join('\n')}`)) out.push({ text, at: a.line.at });
    else log.drop(`${name}:annotation`, a.line);
  }
  return out;
}

function rank(f: AlertListFormat, a: Pair): number {
  const i = f.headline.indexOf(a.name);
  return i < 0 ? f.headline.length : i;
}

/**
 * One alert of a group on one line: its state when the group mixes states, the label values it
 * alone has (its instance), its headline; without a headline, its own labels as `name=value`.
 */
function alertLine(f: AlertListFormat, name: string, subject: string, alert: Alert, showState: boolean, log: DropLog): Line {
  const headline = headlineOf(f, alert);
  const own = ownLabels(name, subject, alert, headline, log);
  for (const a of alert.annotations) if (a !== headline) log.drop(`${name}:annotation`, a.line);
  const where = headline ? own.map((l) => l.value).join(' ') : own.map((l) => `${l.name}=${l.value}`).join(' ');
  const what = [where, headline?.value ?? ''].filter((s) => s !== '').join(': ');
  const text = showState && alert.state ? `${alert.state}: ${what}` : what;
  // Alerts of a group differ in some label, so `what` is empty only for a malformed list.
  return { text: text === '' ? (alert.state ?? 'alert') : text, at: alert.frame[0]!.at };
}
