/*
 * rig.ts - an SmppSession against the test SMSC over real TCP, with its log lines kept, and
 * fast timings (backoff 20 ms doubling to 160 ms) so reconnects take milliseconds, not minutes.
 */
import { createLogger } from '../../../src/log/logger.js';
import { SmppSession, type SmppSessionOptions } from '../../../src/transports/smpp/session.js';
import { TestSmsc } from '../../helpers/smsc.js';

export const FAST = { connectTimeoutMs: 3_000, backoffBaseMs: 20, backoffCapMs: 160, unbindTimeoutMs: 500, enquireLinkMs: 60_000 } as const;

export interface Rig {
  readonly smsc: TestSmsc;
  readonly session: SmppSession;
  readonly lines: Record<string, unknown>[];
  events(name: string): Record<string, unknown>[];
}

const opened: (() => Promise<void>)[] = [];

/** Stops every session and SMSC a test made (call from afterEach). */
export async function closeRigs(): Promise<void> {
  await Promise.all(opened.splice(0).map((close) => close()));
}

export async function rig(options: Partial<SmppSessionOptions> = {}, smscOptions: Parameters<typeof TestSmsc.start>[0] = {}): Promise<Rig> {
  const smsc = await TestSmsc.start(smscOptions);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
  const session = newSession(smsc, { logger, ...options });
  opened.push(async () => {
    await session.stop({ drain: false });
    await smsc.close();
  });
  return { smsc, session, lines, events: (name) => lines.filter((l) => l['event'] === name) };
}

/** Another session on the same SMSC (a second bind of the route), stopped with the rig. */
export function newSession(smsc: TestSmsc, options: Partial<SmppSessionOptions> & Pick<SmppSessionOptions, 'logger'>): SmppSession {
  const session = new SmppSession({ name: 'smsc1', host: smsc.host, port: smsc.port, systemId: 'gw1', password: () => 'secret', ...FAST, ...options });
  opened.push(() => session.stop({ drain: false }));
  return session;
}

/** A submit_sm's fields, to a destination number. */
export function toNumber(destination: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { destination_addr: destination, dest_addr_ton: 1, dest_addr_npi: 1, short_message: 'hello', ...extra };
}
