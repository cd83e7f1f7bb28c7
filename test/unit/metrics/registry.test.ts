import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, Metrics, METRICS_CONTENT_TYPE } from '../../../src/metrics/index.js';

describe('rendering the text exposition format 0.0.4', () => {
  it('renders nothing for an empty registry', () => {
    expect(new Metrics().render()).toBe('');
  });

  it('shows a counter without labels at 0 before its first inc, then its count', () => {
    const m = new Metrics();
    const c = m.counter('m2s_mails_accepted_total', 'Mails accepted.');
    expect(m.render()).toBe('# HELP m2s_mails_accepted_total Mails accepted.\n# TYPE m2s_mails_accepted_total counter\nm2s_mails_accepted_total 0\n');
    c.inc();
    c.inc(undefined, 2);
    expect(m.render()).toBe('# HELP m2s_mails_accepted_total Mails accepted.\n# TYPE m2s_mails_accepted_total counter\nm2s_mails_accepted_total 3\n');
  });

  it('writes label pairs in the order the metric names them, label sets in first-seen order', () => {
    const m = new Metrics();
    const c = m.counter('m2s_segments_total', 'Segments by route and outcome.', ['route', 'status']);
    c.inc({ status: 'sent', route: 'gsm1' });
    c.inc({ route: 'sim', status: 'deferred' }, 4);
    c.inc({ route: 'gsm1', status: 'sent' });
    expect(m.render()).toBe(
      [
        '# HELP m2s_segments_total Segments by route and outcome.',
        '# TYPE m2s_segments_total counter',
        'm2s_segments_total{route="gsm1",status="sent"} 2',
        'm2s_segments_total{route="sim",status="deferred"} 4',
        '',
      ].join('\n'),
    );
  });

  it('renders metrics in definition order, a labelled one with no samples as HELP and TYPE only', () => {
    const m = new Metrics();
    m.gauge('m2s_b', 'B.', ['route']);
    m.counter('m2s_a_total', 'A.');
    expect(m.render()).toBe('# HELP m2s_b B.\n# TYPE m2s_b gauge\n# HELP m2s_a_total A.\n# TYPE m2s_a_total counter\nm2s_a_total 0\n');
  });

  it('shows a gauge only once set, with the last value set', () => {
    const m = new Metrics();
    const g = m.gauge('m2s_queue_depth', 'Messages waiting.');
    expect(m.render()).toBe('# HELP m2s_queue_depth Messages waiting.\n# TYPE m2s_queue_depth gauge\n');
    g.set({}, 7);
    g.set({}, 5);
    expect(m.render()).toBe('# HELP m2s_queue_depth Messages waiting.\n# TYPE m2s_queue_depth gauge\nm2s_queue_depth 5\n');
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    const m = new Metrics();
    m.gauge('m2s_route_up', 'Route up.', ['route']).set({ route: 'a\\b"c\nd' }, 1);
    expect(m.render().split('\n')[2]).toBe('m2s_route_up{route="a\\\\b\\"c\\nd"} 1');
  });

  it('escapes backslash and line feed in HELP, but leaves a double quote alone', () => {
    const m = new Metrics();
    m.gauge('m2s_x', 'path C:\\var\nsecond "line"');
    expect(m.render().split('\n')[0]).toBe('# HELP m2s_x path C:\\\\var\\nsecond "line"');
  });

  it.each([
    [0, '0'],
    [42, '42'],
    [-3, '-3'],
    [-0, '0'],
    [0.25, '0.25'],
    [1e21, '1e+21'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('writes the value %s as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
    const m = new Metrics();
    m.gauge('m2s_v', 'V.').set({}, value);
    expect(m.render().split('\n')[2]).toBe(`m2s_v ${text}`);
  });

  it('has the escaping helpers the format names', () => {
    expect(escapeLabelValue('x"y\\z\n')).toBe('x\\"y\\\\z\\n');
    expect(escapeHelp('x"y\\z\n')).toBe('x"y\\\\z\\n');
  });

  it('declares the content type of format 0.0.4', () => {
    expect(METRICS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});

describe('scrape-time gauges', () => {
  it('runs collect callbacks at the start of every render, in the order registered', () => {
    const m = new Metrics();
    const g = m.gauge('m2s_renders', 'Renders so far.');
    const order: string[] = [];
    let n = 0;
    m.onCollect(() => {
      order.push('first');
      g.set({}, ++n);
    });
    m.onCollect(() => order.push('second'));
    expect(m.render()).toContain('m2s_renders 1\n');
    expect(m.render()).toContain('m2s_renders 2\n');
    expect(order).toEqual(['first', 'second', 'first', 'second']);
  });

  it('forgets every label set on reset, so a route that went away leaves no stale line', () => {
    const m = new Metrics();
    const up = m.gauge('m2s_route_up', 'Route up.', ['route']);
    let routes = ['gsm1', 'gsm2'];
    m.onCollect(() => {
      up.reset();
      for (const route of routes) up.set({ route }, 1);
    });
    expect(m.render()).toContain('m2s_route_up{route="gsm2"} 1');
    routes = ['gsm1'];
    const text = m.render();
    expect(text).toContain('m2s_route_up{route="gsm1"} 1');
    expect(text).not.toContain('gsm2');
  });

  it('lets a throwing collect callback reach the caller of render', () => {
    const m = new Metrics();
    m.onCollect(() => {
      throw new Error('queue closed');
    });
    expect(() => m.render()).toThrow('queue closed');
  });
});

describe('mistakes in defining or using a metric throw at once', () => {
  it.each(['', '1abc', 'm2s-dash', 'm2s space', 'm2s_é'])('refuses the metric name %j', (name) => {
    expect(() => new Metrics().counter(name, 'h')).toThrow(/metric name .* is not valid: it must match/);
  });

  it.each(['ok_name', 'with:colon', '_lead', ':lead'])('takes the metric name %j', (name) => {
    expect(() => new Metrics().gauge(name, 'h')).not.toThrow();
  });

  it.each(['1x', 'a-b', 'a:b', '__reserved', ''])('refuses the label name %j', (label) => {
    expect(() => new Metrics().counter('m2s_x_total', 'h', [label])).toThrow(`metric m2s_x_total: label name ${JSON.stringify(label)} is not valid`);
  });

  it('refuses a label name given twice', () => {
    expect(() => new Metrics().gauge('m2s_x', 'h', ['route', 'route'])).toThrow('metric m2s_x: label name route is given twice');
  });

  it('refuses a second definition of the same name, also as another type', () => {
    const m = new Metrics();
    m.counter('m2s_x', 'h');
    expect(() => m.counter('m2s_x', 'h')).toThrow('metric m2s_x is already defined');
    expect(() => m.gauge('m2s_x', 'h')).toThrow('metric m2s_x is already defined');
  });

  it('names the missing and the unexpected labels of a wrong label set', () => {
    const m = new Metrics();
    const c = m.counter('m2s_sent_total', 'h', ['route', 'status']);
    const wrong = { route: 'gsm1', stat: 'sent' } as unknown as { route: string; status: string };
    expect(() => c.inc(wrong)).toThrow('metric m2s_sent_total: missing label status; unexpected label stat (its labels: route, status)');
    expect(() => c.inc()).toThrow('metric m2s_sent_total: missing label route, status');
    const g = m.gauge('m2s_depth', 'h');
    expect(() => g.set({ route: 'x' } as unknown as Record<never, string>, 1)).toThrow('metric m2s_depth: unexpected label route (its labels: none)');
    expect(m.render()).not.toContain('stat=');
  });

  it('refuses a label value that is not a string', () => {
    const c = new Metrics().counter('m2s_x_total', 'h', ['route']);
    expect(() => c.inc({ route: 3 } as unknown as { route: string })).toThrow('metric m2s_x_total: label route is not a string');
  });

  it.each([-1, NaN, Infinity])('refuses a counter inc of %s, and the count stays', (n) => {
    const m = new Metrics();
    const c = m.counter('m2s_x_total', 'h');
    c.inc(undefined, 2);
    expect(() => c.inc(undefined, n)).toThrow(`metric m2s_x_total: a counter only goes up; inc(${String(n)})`);
    expect(m.render()).toContain('m2s_x_total 2\n');
  });
});
