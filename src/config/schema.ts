/*
 * schema.ts - the shape of /etc/mail2sms/config.yaml (SPEC 12) and the embedded defaults.
 *
 * Every object is strict: an unknown key is an error that names the key (load.ts adds the file
 * line). Values are normalised here (sizes to bytes, listen strings to host/port) so the rest
 * of the gateway reads a plain, typed Config and never re-parses a string.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration, parseEmail, type Parsed } from '../accounts/index.js';
import { parseCidr } from '../policy/index.js';
import { SMTP_LIMIT_DEFAULTS } from './smtp-limits.js';

/**
 * A zod string checked and normalised by one of the accounts parsers; numbers are taken as their
 * digits (YAML reads `sender_id: 1234` as one), unless `input` says only text will do.
 */
export function checked<T>(parse: (value: string) => Parsed<T>, input: z.ZodType<string | number> = z.union([z.string(), z.number()])) {
  return input.transform((value, ctx) => {
    const r = parse(String(value));
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });
}

/** "1MB", "512KB", "10485760" → bytes. */
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|KB|K|MB|M|GB|G)?$/i;
const SIZE_FACTORS: Readonly<Record<string, number>> = { B: 1, K: 1024, KB: 1024, M: 1 << 20, MB: 1 << 20, G: 1 << 30, GB: 1 << 30 };

const size = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const m = SIZE_RE.exec(value.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (use e.g. 1MB, 512KB or a byte count)` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * (SIZE_FACTORS[(m[2] ?? 'B').toUpperCase()] ?? 1));
});

/** The largest smtp.max_message_size: a message in DATA is held in memory whole (smtp/handlers.ts). */
export const MAX_MESSAGE_SIZE_BOUND = 64 << 20;
/** The most memory all DATA phases in flight may hold: smtp.max_concurrent_data × smtp.max_message_size. */
export const DATA_MEMORY_BOUND = 256 << 20;

const messageSize = size.refine((bytes) => bytes <= MAX_MESSAGE_SIZE_BOUND, {
  message: `is larger than 64MB, the most this gateway holds in memory for one message (a mail to SMS needs far less)`,
});

/** "10m", "30s", "1500ms" or a number of seconds → milliseconds. */
const duration = z.union([z.number().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return Math.round(value * 1000);
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: `${parsed.message}, or a number of seconds` });
    return z.NEVER;
  }
  return parsed.value;
});

const count = z.number().int().min(1);

/** Limits against hostile clients (README "Limits against hostile clients"); defaults in smtp-limits.ts. */
const smtpLimitKeys = {
  max_connections: count.default(SMTP_LIMIT_DEFAULTS.max_connections),
  max_connections_per_client: count.default(SMTP_LIMIT_DEFAULTS.max_connections_per_client),
  session_timeout: duration.default(SMTP_LIMIT_DEFAULTS.session_timeout),
  data_timeout: duration.default(SMTP_LIMIT_DEFAULTS.data_timeout),
  idle_timeout: duration.default(SMTP_LIMIT_DEFAULTS.idle_timeout),
  max_concurrent_data: count.default(SMTP_LIMIT_DEFAULTS.max_concurrent_data),
  max_concurrent_data_per_client: count.default(SMTP_LIMIT_DEFAULTS.max_concurrent_data_per_client),
  auth_failure_delay: duration.default(SMTP_LIMIT_DEFAULTS.auth_failure_delay),
  auth_failures_per_connection: count.default(SMTP_LIMIT_DEFAULTS.auth_failures_per_connection),
  auth_failures_per_client: count.default(SMTP_LIMIT_DEFAULTS.auth_failures_per_client),
  auth_block_time: duration.default(SMTP_LIMIT_DEFAULTS.auth_block_time),
};

function checkDataMemory(smtp: { readonly max_message_size: number; readonly max_concurrent_data: number }, ctx: z.RefinementCtx): void {
  const held = smtp.max_message_size * smtp.max_concurrent_data;
  // a max_message_size over its own bound has its own message
  if (held <= DATA_MEMORY_BOUND || smtp.max_message_size > MAX_MESSAGE_SIZE_BOUND) return;
  ctx.addIssue({
    code: 'custom',
    path: ['max_concurrent_data'],
    message: `${smtp.max_concurrent_data} DATA phases of up to max_message_size (${smtp.max_message_size} bytes) may hold ${Math.ceil(held / (1 << 20))}MB in memory, more than the 256MB bound: lower max_concurrent_data or max_message_size`,
  });
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** "0.0.0.0:25", "[::1]:2525", ":25" → { host, port }. */
export function parseListen(value: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

const listen = z.string().transform((value, ctx) => {
  const parsed = parseListen(value);
  if (!parsed) {
    const port = /:(\d+)$/.exec(value.trim())?.[1];
    const outOfRange = port !== undefined && Number(port) > 65535;
    ctx.addIssue({ code: 'custom', message: outOfRange ? `"${value}": port ${port} is out of range (0 to 65535)` : `"${value}" is not HOST:PORT (e.g. 0.0.0.0:25 or [::1]:2525)` });
    return z.NEVER;
  }
  return parsed;
});

const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a domain name')
  .transform((d) => d.toLowerCase());

/** "127.0.0.1", "127.0.0.1:5353", "[::1]:53": what node:dns setServers takes. */
const dnsServer = z.string().refine((v) => isIP(v) !== 0 || parseListen(v) !== undefined && isIP(parseListen(v)!.host) !== 0, {
  message: 'must be an IP address, optionally with :PORT (e.g. 127.0.0.1:5353 or [::1]:53)',
});

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, { message: 'must be an address or CIDR (e.g. 192.0.2.10/32)' });

const routeName = z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'must be 1-32 letters, digits, _ . -');

/** Route keys every transport takes. */
const commonRouteKeys = {
  name: routeName,
  /** SPEC 9: most sends started in any second on this route (SMSC account, SIM plan); no limit when absent. */
  rate: z.number().positive().finite().optional(),
};

const modemRoute = z.strictObject({
  ...commonRouteKeys,
  transport: z.literal('modem'),
  path: z.string().min(1),
  baud: z.number().int().positive().default(115200),
  pin: z.union([z.string().regex(/^\d{4,8}$/, 'a SIM PIN is 4 to 8 digits'), z.number().int()]).transform(String).optional(),
  profile: z.string().optional(),
});

const simRoute = z.strictObject({
  ...commonRouteKeys,
  transport: z.literal('sim'),
  /** Milliseconds the simulated modem takes to answer each command. */
  latency_ms: z.number().int().min(0).default(0),
});

const port = z.number().int().min(1).max(65535);
const tonNpi = z.number().int().min(0).max(255);

/** An SMPP 3.4 upstream (SPEC 9): one bind to an SMSC, docs/smpp.md. */
const smppRoute = z.strictObject({
  ...commonRouteKeys,
  transport: z.literal('smpp'),
  host: z.string().min(1),
  port,
  system_id: z.string().min(1).max(15),
  /** A file holding the password (at most 8 characters in SMPP 3.4), read again at each bind. */
  password_file: z.string().min(1),
  system_type: z.string().max(12).optional(),
  /** receiver: only takes SMS from phones and receipts; the route sends nothing. */
  mode: z.enum(['transceiver', 'transmitter', 'receiver']).default('transceiver'),
  window: z.number().int().min(1).max(1000).default(10),
  enquire_link: duration.default(30_000),
  /** No submit_sm_resp within this long: the segment's fate is unknown. */
  response_timeout: duration.default(30_000),
  /** true: TLS with the system's CAs; or the CA file and the name the SMSC's certificate carries. */
  tls: z.union([z.boolean(), z.strictObject({ ca: z.string().min(1).optional(), servername: z.string().min(1).optional() })]).optional(),
  source_ton: tonNpi.optional(),
  source_npi: tonNpi.optional(),
  /** payload: a whole long message in one submit_sm (message_payload); parts sent alone carry the UDH. */
  long: z.enum(['udh', 'sar', 'payload']).default('udh'),
  receipt_id: z.enum(['auto', 'hex', 'dec']).default('auto'),
});

export const routeSchema = z.discriminatedUnion('transport', [modemRoute, smppRoute, simRoute]);

export const configSchema = z.strictObject({
  domain: z.union([domainName, z.array(domainName).min(1)]).transform((d) => (Array.isArray(d) ? d : [d])),
  hostname: z.string().min(1).optional(),
  state_dir: z.string().min(1).default('./var'),
  smtp: z
    .strictObject({
      listen: z.union([listen, z.array(listen).min(1)]).transform((l) => (Array.isArray(l) ? l : [l])),
      tls: z.strictObject({ key: z.string(), cert: z.string() }).optional(),
      max_message_size: messageSize.default(1 << 20),
      /** smtp-server's early-talker pause before the greeting; 0 greets at once. */
      greeting_delay_ms: z.number().int().min(0).max(10_000).optional(),
      ...smtpLimitKeys,
    })
    .superRefine(checkDataMemory)
    .default({ listen: [{ host: '127.0.0.1', port: 2525 }], max_message_size: 1 << 20, ...SMTP_LIMIT_DEFAULTS }),
  /**
   * SPEC 11: Prometheus /metrics, /healthz and the admin API (/api/, docs/api.md). `token_file`: the
   * API's bearer token (without it the API answers 403 on TCP; the unix socket needs none);
   * `protect_metrics`: /metrics and /healthz ask for the token too (default open, as Prometheus scrapes them).
   */
  http: z.strictObject({ listen, token_file: z.string().min(1).optional(), protect_metrics: z.boolean().default(false) }).optional(),
  /** SPEC 3: how a mail's sender is judged. `dns` (the default when users have minimums) checks DKIM, SPF and DMARC. */
  verdict: z.enum(['dns', 'records', 'relay', 'trusted-ip']).default('trusted-ip'),
  /** Resolvers for `dns` and for `records`' fallback; default: the system resolver. */
  dns: z.strictObject({ servers: z.array(dnsServer).min(1) }).optional(),
  /** `verdict: records`: TXT records pinned by name (SPF, `<selector>._domainkey.<domain>`, `_dmarc.<domain>`). */
  records: z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)])).optional(),
  /** `verdict: relay`: whose Authentication-Results header to believe. */
  relay: z.strictObject({ hosts: z.array(cidr).min(1), authserv_id: z.string().min(1) }).optional(),
  /** Where the box sends mail (verdict replies, delivery reports). */
  smarthost: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(25),
      secure: z.boolean().default(false),
      auth: z.strictObject({ user: z.string().min(1), pass_file: z.string().min(1) }).optional(),
      /** Sender of the box's own mail; default postmaster@<first domain>. */
      from: z.email().optional(),
    })
    .optional(),
  /** SPEC 10: where an inbound SMS that answers no alert is mailed, before the `default` account's `inbound`. */
  inbound: checked(parseEmail, z.string()).optional(),
  /** How long the parts of a long inbound SMS are waited for before it is mailed with what came (default 10 minutes). */
  inbound_part_wait: duration.default(10 * 60_000),
  routes: z.array(routeSchema).min(1).default([{ name: 'sim', transport: 'sim', latency_ms: 0 }]),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
}).superRefine((c, ctx) => {
  if (c.verdict === 'records' && !c.records) ctx.addIssue({ code: 'custom', path: ['records'], message: 'verdict: records needs the pinned records (a map of DNS name to TXT text)' });
  c.routes.forEach((route, index) => {
    if (c.routes.findIndex((r) => r.name === route.name) !== index) ctx.addIssue({ code: 'custom', path: ['routes', index, 'name'], message: `route name "${route.name}" is used twice: each route needs its own name (sends and receipts are recorded by it)` });
  });
  if (c.verdict === 'relay' && !c.relay) ctx.addIssue({ code: 'custom', path: ['relay'], message: 'verdict: relay needs relay.hosts and relay.authserv_id' });
});

export type Config = z.output<typeof configSchema> & { readonly hostname: string; readonly source: string };
export type RouteConfig = z.output<typeof routeSchema>;

/** SPEC 12: what `mail2sms start` runs on when there is no config file. */
export const EMBEDDED_DEFAULTS = { domain: 'sms.localhost' } as const;
