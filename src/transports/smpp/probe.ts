/*
 * probe.ts - the bench test of an SMSC account (`mail2sms smpp probe`, issue 13 item 7), the
 * counterpart of `modem probe`: one connection, one bind, one enquire_link, optionally one test
 * submit_sm, then unbind.
 *
 * Promise: probeSmsc() never rejects for anything the network or the SMSC does; each step's
 * result is in the report and the first failure ends the probe (nothing after a refused bind or
 * an unanswered enquire_link is tried). It uses the route's own Link, so it binds and encodes as
 * the gateway does, but it never reconnects: a probe is one try. The connection is always closed
 * (unbind when bound). A deliver_sm that arrives on a transceiver bind (a receipt meant for the
 * gateway) is refused with ESME_RX_T_APPN, so the SMSC keeps it and delivers it again later.
 * The test submit_sm asks for no receipt (registered_delivery 0): nobody would wait for it.
 */
import type { Logger } from '../../log/index.js';
import { classifyCommandStatus } from './command-status.js';
import { Link, tlsConnection, type BindMode, type BindResult, type SubmitResult } from './link.js';
import { toSubmitSm } from './submit.js';
import type { SmscProbeReport, SubmitStep } from './probe-report.js';

export const PROBE_TEXT = 'mail2sms smpp probe: test message';

export interface SmscProbeOptions {
  readonly host: string;
  readonly port: number;
  /** TLS with the system's CAs, the host name checked. */
  readonly tls: boolean;
  readonly mode: Exclude<BindMode, 'receiver'>;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string;
  /** Send one test submit_sm to this number ('+' and digits). */
  readonly sendTo?: string;
  /** Connect plus bind, the enquire_link answer and the submit_sm_resp, each. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export async function probeSmsc(o: SmscProbeOptions): Promise<SmscProbeReport> {
  const base = {
    address: `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`,
    tls: o.tls, mode: o.mode, systemId: o.systemId, systemType: o.systemType ?? '',
    ...(o.sendTo === undefined ? {} : { sendTo: o.sendTo }),
  };
  let connected = false;
  const link = new Link({
    host: o.host, port: o.port, tls: o.tls ? tlsConnection(o.host) : undefined, mode: o.mode,
    systemId: o.systemId, password: o.password, systemType: o.systemType ?? '',
    connectTimeoutMs: o.timeoutMs, enquireLinkMs: 3_600_000, maxMissedEnquireLinks: 3,
    log: o.logger.child({ transport: 'smpp:probe' }),
    onDeliver: () => Promise.reject(new Error('the probe takes no deliver_sm; the SMSC keeps it for the gateway')),
    onConnected: () => (connected = true),
    onClose: () => undefined,
  });
  const bind = await link.open();
  if (bind.kind !== 'bound') return { ...base, connected, bind: bindStep(bind) };
  try {
    const started = performance.now();
    const answer = await link.enquireLink(o.timeoutMs);
    const enquireLink = answer.kind === 'resp'
      ? { answered: true as const, roundTripMs: Math.round((performance.now() - started) * 10) / 10 }
      : { answered: false as const, reason: unanswered(answer, o.timeoutMs) };
    const report = { ...base, connected, bind: { outcome: 'bound' as const, smscSystemId: bind.systemId }, enquireLink };
    if (o.sendTo === undefined || !enquireLink.answered) return report;
    return { ...report, submit: await testSubmit(link, o.sendTo, o.timeoutMs) };
  } finally {
    await link.unbind(Math.min(o.timeoutMs, 2_000));
  }
}

function bindStep(bind: Exclude<BindResult, { kind: 'bound' }>): SmscProbeReport['bind'] {
  if (bind.kind === 'failed') return { outcome: 'failed', reason: bind.reason };
  return { outcome: 'refused', commandStatus: bind.commandStatus, statusName: classifyCommandStatus(bind.commandStatus).name };
}

function unanswered(result: Exclude<SubmitResult, { kind: 'resp' }>, timeoutMs: number): string {
  return result.kind === 'timeout' ? `no answer within ${timeoutMs} ms` : result.reason;
}

async function testSubmit(link: Link, to: string, timeoutMs: number): Promise<SubmitStep> {
  const built = toSubmitSm({ destination: to, encoding: 'gsm7', text: PROBE_TEXT, statusReport: false });
  if (!built.ok) return { to, answered: false, reason: `submit_sm ${built.field} ${built.reason}` };
  const result = await link.submit({ ...built.fields }, timeoutMs);
  if (result.kind !== 'resp') return { to, answered: false, reason: unanswered(result, timeoutMs) };
  const { commandStatus } = result;
  return { to, answered: true, commandStatus, statusName: classifyCommandStatus(commandStatus).name, ...(result.messageId === undefined ? {} : { messageId: result.messageId }) };
}
