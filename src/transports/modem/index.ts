/*
 * index.ts - the modem transport: the Transport contract (transport.ts) over one GSM modem on a
 * serial port, and the modem stage's public exports.
 *
 * Promise: concurrency 1 (one AT+CMGS at a time, SPEC 9); send() resolves exactly one outcome
 * and never rejects for an expected failure; the TPDU is built at send time from the queued part
 * (encode stage, buildSubmitTpdu). A port that closed under us (unplug) is reopened and
 * re-initialised on the next send; if that fails the send fails temporarily.
 *
 * Status reports (SPEC 8): +CDS and +CDSI are read by status-reports.ts and reach onStatusReport
 * listeners as StatusReport events; every URC, +CDS with its raw PDU included, also reaches
 * onUnsolicited listeners.
 */
import { buildSubmitTpdu } from '../../encode/index.js';
import type { Logger } from '../../log/index.js';
import type { OutboundSegment, SendOutcome, StatusReport, Transport, TransportHealth } from '../transport.js';
import { ModemDriver, type DriverTimeouts, type SendPduResult, type UnsolicitedEvent } from './driver.js';
import { openPort, type BindingInterface } from './port.js';
import type { Profile } from './profile.js';
import { createReportReader } from './status-reports.js';

export { AtReader, type AtEvent, type FinalResult } from './at-reader.js';
export { classifyCms, cmsDiagnostic, CMS_ERRORS, type CmsErrorInfo } from './cms-errors.js';
export { DEFAULT_TIMEOUTS, ModemDriver, type DriverTimeouts, type ModemDriverOptions, type ModemStatus, type SendPduResult, type UnsolicitedEvent } from './driver.js';
export { openPort, type BindingInterface, type PortOptions, type SerialLink } from './port.js';
export { PROBE_BAUDS, probeModem, type ProbeOptions } from './probe.js';
export { formatProbeReport, judgeProbe, type Judgment, type ProbeReport, type Step, type TestSend } from './probe-report.js';
export { parseCdsi, pduOfCmgr, reportOfPdu } from './status-reports.js';
export { detectProfile, effectiveProfile, findProfile, type EffectiveProfile, type Profile } from './profile.js';

export interface ModemTransportOptions {
  readonly name: string;
  readonly path: string;
  readonly baudRate: number;
  readonly pin?: string;
  /** serialport binding; default the platform's. The simulated modem injects its own. */
  readonly binding?: BindingInterface;
  readonly logger: Logger;
  readonly timeouts?: Partial<DriverTimeouts>;
  /** Transport kind reported to the dispatcher; 'sim' when the port is the simulated modem. */
  readonly kind?: 'modem' | 'sim';
  /** The route's profile, or the profiles to detect one from at init (driver.ts). */
  readonly profile?: Profile;
  readonly profiles?: readonly Profile[];
}

export interface ModemTransport extends Transport {
  /** Every URC the modem sends (+CDS with its raw PDU, +CMTI, +CREG…). */
  onUnsolicited(listener: (urc: UnsolicitedEvent) => void): () => void;
}

export function createModemTransport(options: ModemTransportOptions): ModemTransport {
  const log = options.logger.child({ transport: `modem:${options.name}` });
  const urcListeners = new Set<(urc: UnsolicitedEvent) => void>();
  const reportListeners = new Set<(report: StatusReport) => void>();
  let driver: ModemDriver | undefined;
  let health: TransportHealth = { ready: false, state: 'stopped' };
  let stopping = false;

  async function connect(): Promise<ModemDriver> {
    health = { ready: false, state: 'initialising' };
    const link = await openPort({ path: options.path, baudRate: options.baudRate, ...(options.binding ? { binding: options.binding } : {}) });
    const next = new ModemDriver({
      name: options.name,
      link,
      logger: options.logger,
      ...(options.pin !== undefined ? { pin: options.pin } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.profiles ? { profiles: options.profiles } : {}),
    });
    next.onUnsolicited((urc) => urcListeners.forEach((l) => l(urc)));
    next.onUnsolicited(createReportReader({ log, emit: (r) => reportListeners.forEach((l) => l(r)), command: (c) => next.command(c) }));
    link.onClose((err) => {
      if (err && !stopping) health = { ready: false, state: 'unplugged', detail: err.message };
    });
    driver = next;
    try {
      await next.init();
    } catch (err) {
      await next.close().catch(() => undefined);
      const code = (err as { code?: string }).code;
      health = { ready: false, state: code === 'M2S_AT_PIN' ? 'pin-required' : 'failed', detail: (err as Error).message };
      throw err;
    }
    health = { ready: true, state: 'ready' };
    return next;
  }

  async function usableDriver(): Promise<ModemDriver | SendOutcome> {
    if (driver && !driver.isClosed) return driver;
    try {
      log.warn({ event: 'modem.reopen' }, 'modem port closed; reopening');
      return await connect();
    } catch (err) {
      return { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: `modem unavailable: ${(err as Error).message}` };
    }
  }

  return {
    name: options.name,
    kind: options.kind ?? 'modem',
    concurrency: 1,
    async start() {
      stopping = false;
      await connect();
    },
    async send(segment: OutboundSegment, signal: AbortSignal): Promise<SendOutcome> {
      if (stopping) return { kind: 'failed', temporary: true, status: '4.3.2', diagnostic: 'transport is stopping' };
      const ready = await usableDriver();
      if (!(ready instanceof ModemDriver)) return ready;
      let tpdu: { hex: string; length: number };
      try {
        // A modem whose profile says it delivers no +CDS is not asked for status reports.
        tpdu = buildSubmitTpdu(ready.profile.flags.noCds ? { ...segment, statusReport: false } : segment);
      } catch (err) {
        return { kind: 'failed', temporary: false, status: '5.1.3', diagnostic: `cannot build SMS-SUBMIT: ${(err as Error).message}` };
      }
      const result = await ready.sendPdu(tpdu.hex, tpdu.length, signal, { moreToFollow: segment.seq < segment.total });
      log.info({ event: 'modem.send', qid: segment.qid, seg: `${segment.seq}/${segment.total}`, outcome: result.kind }, 'AT+CMGS finished');
      return outcomeOf(result);
    },
    health: () => health,
    async stop({ drain }) {
      stopping = true;
      const current = driver;
      if (current && drain) await current.command('AT').catch(() => undefined);
      await current?.close();
      health = { ready: false, state: 'stopped' };
    },
    onStatusReport(listener) {
      reportListeners.add(listener);
      return () => reportListeners.delete(listener);
    },
    onUnsolicited(listener) {
      urcListeners.add(listener);
      return () => urcListeners.delete(listener);
    },
  };
}

function outcomeOf(result: SendPduResult): SendOutcome {
  if (result.kind === 'sent') return { kind: 'sent', messageRef: String(result.mr) };
  if (result.kind === 'unknown') return { kind: 'unknown', diagnostic: result.diagnostic };
  return { kind: 'failed', temporary: result.temporary, status: result.status, diagnostic: result.diagnostic };
}
