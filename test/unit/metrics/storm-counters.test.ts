/*
 * /metrics for alert storms (SPEC 7, issue #11 item 4): the counters the dispatcher calls beside
 * its dispatch.held, dispatch.coalesced, dispatch.summary, dispatch.max_age and delivery.expired
 * lines, as Prometheus renders them.
 */
import { describe, expect, it } from 'vitest';
import { createGatewayCounters, Metrics } from '../../../src/metrics/index.js';

describe('the alert-storm counters', () => {
  it('count coalesced, held and expired messages by reason, and the summaries', () => {
    const metrics = new Metrics();
    const counters = createGatewayCounters(metrics);
    counters.coalesced('identical', 48);
    counters.coalesced('hourly-cap', 180);
    counters.held('identical');
    counters.held('hourly-cap');
    counters.held('hourly-cap');
    counters.summaryQueued();
    counters.expired('max-age');
    counters.expired('validity');
    const text = metrics.render();
    for (const line of [
      'mail2sms_messages_coalesced_total{reason="identical"} 48',
      'mail2sms_messages_coalesced_total{reason="hourly-cap"} 180',
      'mail2sms_messages_held_total{reason="identical"} 1',
      'mail2sms_messages_held_total{reason="hourly-cap"} 2',
      'mail2sms_summaries_queued_total 1',
      'mail2sms_messages_expired_total{reason="max-age"} 1',
      'mail2sms_messages_expired_total{reason="validity"} 1',
      '# TYPE mail2sms_messages_coalesced_total counter',
    ]) expect(text).toContain(line);
  });

  it('show the summaries at 0 before the first, so rate() has a start', () => {
    const metrics = new Metrics();
    createGatewayCounters(metrics);
    expect(metrics.render()).toContain('mail2sms_summaries_queued_total 0');
  });
});
