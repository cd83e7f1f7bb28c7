/*
 * metrics/index.ts - the metrics registry's public API: counters and gauges rendered in the
 * Prometheus text format for GET /metrics.
 */
export { Metrics, METRICS_CONTENT_TYPE, escapeHelp, escapeLabelValue, formatValue } from './registry.js';
export type { Counter, Gauge, Labels } from './registry.js';
export { createGatewayCounters, NO_COUNTERS, type GatewayCounters } from './counters.js';
export { DEFAULT_SEND_EXPECTED_MS, gatewayHealth, observeGateway, type GatewayHealth, type ObservedGateway, type RouteHealth } from './gateway.js';
