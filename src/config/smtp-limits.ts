/*
 * smtp-limits.ts - the defaults of the `smtp:` limits against hostile clients, sized for a
 * Raspberry Pi-class box (1 GB RAM, the unit's 256 MB V8 old space, 1024 file descriptors).
 *
 * Promise: one table, read by schema.ts (the key defaults) and documented in the README section
 * "Limits against hostile clients"; durations in milliseconds, as schema.ts normalises them.
 * Why these numbers:
 * - 100 connections in total, 20 per client address (an IPv6 client is its /64): Postfix opens
 *   up to 20 parallel connections to one destination (default_destination_concurrency_limit),
 *   so one site relay is never refused, and one client can never take the whole box.
 * - session 10 min, DATA 2 min, idle 60 s (smtp-server's own socketTimeout): a mail to SMS is a
 *   few KB; RFC 5321 §4.5.3.2 asks the client to wait minutes for us, not us for the client.
 * - 32 DATA phases in flight, 16 per client: each holds up to max_message_size in memory
 *   (32 MB at the 1 MB default), and one client holds at most half of them.
 * - AUTH: 1 s delay before the 535 after a failure, doubling per failure of that address up to
 *   30 s; the connection is cut at the 3rd failure; 10 failures of one address within 15 min
 *   refuse its AUTH for 15 min.
 */
export const SMTP_LIMIT_DEFAULTS = {
  max_connections: 100,
  max_connections_per_client: 20,
  session_timeout: 10 * 60_000,
  data_timeout: 2 * 60_000,
  idle_timeout: 60_000,
  max_concurrent_data: 32,
  max_concurrent_data_per_client: 16,
  auth_failure_delay: 1000,
  auth_failures_per_connection: 3,
  auth_failures_per_client: 10,
  auth_block_time: 15 * 60_000,
} as const;
