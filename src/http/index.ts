/*
 * http/index.ts - the HTTP stage's public API: the observability listener (/metrics, /healthz).
 */
export { startHttpServer, CLOSE_GRACE_MS } from './server.js';
export type { HealthReport, HttpServer, HttpServerOptions } from './server.js';
