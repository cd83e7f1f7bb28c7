/*
 * limits.ts - the SMTP listener's limits against hostile clients, as the guards read them.
 *
 * Promise: one typed value; smtpLimits() turns the `smtp:` config keys (snake_case, durations
 * already in ms, defaults from config/smtp-limits.ts) into it, so a listener made without
 * options (tests) runs on the same Pi defaults as the daemon.
 */
import { SMTP_LIMIT_DEFAULTS } from '../config/index.js';

export interface SmtpLimits {
  /** Connections open at once, all clients together (connection-limits.ts). */
  readonly maxConnections: number;
  /** Connections open at once from one client address (an IPv6 client is its /64, client-key.ts). */
  readonly maxConnectionsPerClient: number;
  /** Wall time a whole session may last, from connect (session-timeout.ts). */
  readonly sessionTimeoutMs: number;
  /** Wall time from the 354 to the final dot (data-limits.ts). */
  readonly dataTimeoutMs: number;
  /** smtp-server's idle timeout (socketTimeout): no byte from the client for this long closes the session. */
  readonly idleTimeoutMs: number;
  /** DATA phases in flight at once, each holding up to max_message_size in memory (data-limits.ts). */
  readonly maxConcurrentData: number;
  readonly maxConcurrentDataPerClient: number;
  /** Delay before the 535 of a client's first failed login; doubles per failure, capped at 30 s (auth-throttle.ts). */
  readonly authFailureDelayMs: number;
  /** Failed logins after which the connection is closed (421 4.7.0). */
  readonly authFailuresPerConnection: number;
  /** Failed logins of one client address within authBlockMs after which its AUTH is refused for authBlockMs. */
  readonly authFailuresPerClient: number;
  readonly authBlockMs: number;
}

export type SmtpLimitKeys = { readonly [K in keyof typeof SMTP_LIMIT_DEFAULTS]: number };

export function smtpLimits(keys: SmtpLimitKeys = SMTP_LIMIT_DEFAULTS): SmtpLimits {
  return {
    maxConnections: keys.max_connections,
    maxConnectionsPerClient: keys.max_connections_per_client,
    sessionTimeoutMs: keys.session_timeout,
    dataTimeoutMs: keys.data_timeout,
    idleTimeoutMs: keys.idle_timeout,
    maxConcurrentData: keys.max_concurrent_data,
    maxConcurrentDataPerClient: keys.max_concurrent_data_per_client,
    authFailureDelayMs: keys.auth_failure_delay,
    authFailuresPerConnection: keys.auth_failures_per_connection,
    authFailuresPerClient: keys.auth_failures_per_client,
    authBlockMs: keys.auth_block_time,
  };
}
