/*
 * main.ts - the composition root: config in, a running gateway out.
 *
 * Opens the queue (and recovers what a crash left in flight), starts the transports of every
 * route, the dispatcher, and the SMTP listeners with the pipeline's hooks. Nothing else builds
 * these parts. stop() closes the listeners first (no new mail), lets the dispatcher finish the
 * sends under way, stops the transports and closes the queue: nothing accepted is lost.
 *
 * A route whose transport cannot start (modem path missing) does not stop the gateway: mail is
 * still accepted and queued, the failure is logged with the route and the path, and the start
 * is tried again every `transportRetryMs` until it works.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ACCOUNT, type Account } from './accounts/index.js';
import type { Config } from './config/index.js';
import { createDispatcher, type Dispatcher } from './dispatch/index.js';
import { GatewayError } from './errors.js';
import type { Logger } from './log/index.js';
import { createPipeline } from './pipeline.js';
import { openQueue, type Queue } from './queue/index.js';
import { createSmtpServer } from './smtp/index.js';
import { createTransport, type TransportOverrides } from './transports/index.js';
import type { Transport } from './transports/transport.js';

export interface Gateway {
  /** Where SMTP listens, after binding (port 0 resolved). */
  readonly listening: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly queue: Queue;
  readonly transports: readonly Transport[];
  readonly dispatcher: Dispatcher;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly account?: Account;
  readonly transportOverrides?: TransportOverrides;
  readonly transportRetryMs?: number;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const account = options.account ?? DEFAULT_ACCOUNT;
  mkdirSync(config.state_dir, { recursive: true });
  const queue = openQueue({ path: join(config.state_dir, 'mail2sms.db'), logger });
  const recovered = queue.recover({ resendUnknown: account.resendUnknown }, Date.now());
  if (recovered.unknown > 0) {
    logger.warn({ event: 'queue.recovered', ...recovered }, `${recovered.unknown} segment(s) were in flight at the last stop; ${recovered.resent} will be sent again`);
  }

  const transports = config.routes.map((route) => createTransport(route, logger, options.transportOverrides));
  const retry = startTransports(transports, logger, options.transportRetryMs ?? 10_000);
  const dispatcher = createDispatcher({ queue, transports, logger, resendUnknown: () => account.resendUnknown });
  dispatcher.start();

  const hooks = createPipeline({ domains: config.domain, account, queue, wake: () => dispatcher.wake() });
  const tls = config.smtp.tls ? { key: readFileSync(config.smtp.tls.key), cert: readFileSync(config.smtp.tls.cert) } : undefined;
  const servers = config.smtp.listen.map((listen) =>
    createSmtpServer({
      hostname: config.hostname,
      listen,
      maxMessageSize: config.smtp.max_message_size,
      logger,
      hooks,
      ...(tls ? { tls } : {}),
      ...(config.smtp.greeting_delay_ms !== undefined ? { earlyTalkerDelayMs: config.smtp.greeting_delay_ms } : {}),
    }),
  );
  const listening: Array<{ host: string; port: number }> = [];
  try {
    for (const server of servers) listening.push(await server.listen());
  } catch (err) {
    await Promise.allSettled(servers.map((s) => s.close()));
    retry.cancel();
    await dispatcher.stop({ drain: false });
    await Promise.allSettled(transports.map((t) => t.stop({ drain: false })));
    await queue.close();
    const e = err as NodeJS.ErrnoException;
    throw new GatewayError('M2S_LISTEN_FAILED', `cannot listen for SMTP on ${describeListen(config)}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`, { cause: err });
  }
  logger.info(
    {
      event: 'gateway.started',
      smtp: listening.map((l) => `${l.host}:${l.port}`),
      domains: config.domain,
      state: join(config.state_dir, 'mail2sms.db'),
      routes: transports.map((t) => `${t.name} (${t.kind})`),
      verdict: config.verdict,
      config: config.source,
    },
    `mail2sms listening for SMTP on ${listening.map((l) => `${l.host}:${l.port}`).join(', ')}; sending through ${transports.map((t) => `${t.name} (${t.kind})`).join(', ')}`,
  );
  logger.info({ event: 'verdict.mode', verdict: config.verdict, allowIps: account.allowIps }, 'verdict trusted-ip: the client address is the whole gate; DKIM, SPF and DMARC are not checked');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ event: 'gateway.stopping' }, 'stopping: no new mail; finishing sends under way');
      retry.cancel();
      await Promise.allSettled(servers.map((s) => s.close()));
      await dispatcher.stop({ drain: true });
      await Promise.allSettled(transports.map((t) => t.stop({ drain: true })));
      await queue.close();
      logger.info({ event: 'gateway.stopped' }, 'stopped');
    })());
  return { listening, queue, transports, dispatcher, stop };
}

function describeListen(config: Config): string {
  return config.smtp.listen.map((l) => `${l.host}:${l.port}`).join(', ');
}

/** Starts every transport; one that fails is logged and tried again later, never fatal. */
function startTransports(transports: readonly Transport[], logger: Logger, retryMs: number): { cancel(): void } {
  const pending = new Set<Transport>();
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const attempt = (t: Transport): void => {
    t.start().then(
      () => {
        pending.delete(t);
        logger.info({ event: 'transport.ready', route: t.name, kind: t.kind }, `route ${t.name} ready`);
      },
      (err: unknown) => {
        pending.add(t);
        logger.error({ event: 'transport.start.failed', route: t.name, kind: t.kind, err }, `route ${t.name} cannot start: ${(err as Error).message}; retrying in ${retryMs / 1000}s`);
        if (!timer && !cancelled) {
          timer = setTimeout(() => {
            timer = undefined;
            for (const p of [...pending]) attempt(p);
          }, retryMs);
        }
      },
    );
  };
  transports.forEach(attempt);
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
