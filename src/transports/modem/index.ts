/*
 * index.ts - the modem transport: the Transport contract (transport.ts) over one GSM modem on a
 * serial port, and the modem stage's public exports.
 *
 * Promise: concurrency 1 (one AT+CMGS at a time, SPEC 9); send() resolves exactly one outcome
 * and never rejects for an expected failure; the TPDU is built at send time from the queued part
 * (encode stage, buildSubmitTpdu).
 *
 * Recovery without a restart (SPEC 9), each step logged with the route and the qid/seg:
 * - a modem that stopped answering (an unanswered PDU, or `timeoutsBeforeRecovery` sends in a
 *   row with no prompt) is taken up the ladder in recovery.ts: ESC + AT, re-init, AT+CFUN=1,1,
 *   reopen; health() says `recovering` and the step; if every step fails, `offline` and reopen;
 * - a port that closed under us (USB unplug: the /dev/serial/by-id link goes) is `unplugged` and
 *   reopened on a timer, 1 s doubling to 30 s, until the device is back and initialised;
 * - no network service is `no-network`: a +CREG/+CEREG URC saying not registered (0, 2, 3, 4)
 *   while ready, +CMS ERROR 331 from a send, or a modem not registered when init ends (at start,
 *   after a reopen or a recovery step: start() still resolves, health says `not registered yet`
 *   and the <stat>). AT+CREG?/AT+CEREG? every few seconds, no send touches the modem; a
 *   registered URC (1, 5) or poll makes it ready at once. A denied registration (3) is said in
 *   health().detail. Searching (2) counts as lost even when it flaps: a send would get 331;
 * - a refused PIN is `pin-required`, a SIM behind its PUK `puk-locked`: the route stops for good,
 *   logged once at error; the PIN is never sent again.
 * While the route is in any of these states a send fails at once, temporarily (4.4.1), naming
 * the state, so the dispatcher retries it later: nothing lost, nothing sent twice.
 *
 * Status reports (SPEC 8): +CDS is read by status-reports.ts, a stored one (+CDSI, or found by a
 * scan) by inbound.ts's store reader; both reach onStatusReport listeners as StatusReport events.
 * Every URC, +CDS with its raw PDU included, also reaches onUnsolicited listeners.
 *
 * Received SMS (SPEC 10): +CMTI, +CMT and a scan of the modem's store (AT+CMGL=4) after every
 * init (start, reopen, recovery step) are read by inbound.ts and reach the onReceived listener;
 * each is deleted from the SIM (or acknowledged) only once the listener resolved. Setting a
 * listener scans again when something was left waiting for one.
 */
import { buildSubmitTpdu } from '../../encode/index.js';
import { reasonOf, type Logger } from '../../log/index.js';
import type { OutboundSegment, ReceivedListener, SendOutcome, StatusReport, Transport, TransportHealth } from '../transport.js';
import { ModemDriver, type DriverTimeouts, type SendPduResult, type UnsolicitedEvent } from './driver.js';
import { openPort, type BindingInterface } from './port.js';
import type { Profile } from './profile.js';
import { climbLadder, DEFAULT_RECOVERY, judgeSend, nextBackoff, type RecoveryStep, type RecoveryTimings, type RecoveryTrigger } from './recovery.js';
import { describeStat, domainOf, isNetworkRegistered, judgeNetwork, networkStat, type RegistrationDomain } from './registration.js';
import { createInboundReader, type InboundReader } from './inbound.js';
import { createReportReader } from './status-reports.js';

export { AtReader, type AtEvent, type FinalResult } from './at-reader.js';
export { classifyCms, cmsDiagnostic, CMS_ERRORS, type CmsErrorInfo, type VendorCmsError, type VendorCmsErrors } from './cms-errors.js';
export { DEFAULT_TIMEOUTS, ModemDriver, type DriverTimeouts, type ModemDriverOptions, type ModemStatus, type SendPduResult, type UnsolicitedEvent } from './driver.js';
export { openPort, type BindingInterface, type PortOptions, type SerialLink } from './port.js';
export { PROBE_BAUDS, probeModem, type ProbeOptions } from './probe.js';
export { formatProbeReport, judgeProbe, type Judgment, type ProbeReport, type Step, type TestSend } from './probe-report.js';
export { climbLadder, DEFAULT_RECOVERY, judgeSend, nextBackoff, RECOVERY_LADDER, type AfterSend, type RecoveryStep, type RecoveryTimings, type RecoveryTrigger } from './recovery.js';
export { pduOfCmgr, reportOfPdu } from './status-reports.js';
export { DEFAULT_RESCAN_MS } from './inbound.js';
export { parseCmgl, parseStoreIndication, type ListedPdu } from './at-replies.js';
export { detectProfile, effectiveProfile, findProfile, type EffectiveProfile, type Profile } from './profile.js';
export { describeStat, isNetworkRegistered, judgeNetwork, networkStat, registrationWord, type NetworkChange, type NetworkState } from './registration.js';

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
  /** Recovery thresholds and waits (recovery.ts); tests shorten them. */
  readonly recovery?: Partial<RecoveryTimings>;
  /** How soon the modem's store is scanned again while a received SMS waits on it (inbound.ts; default 60 s). */
  readonly rescanMs?: number;
}

export interface ModemTransport extends Transport {
  /** Every URC the modem sends (+CDS with its raw PDU, +CMTI, +CREG…). */
  onUnsolicited(listener: (urc: UnsolicitedEvent) => void): () => void;
}

/** States in which a send fails at once without touching the modem. */
const BLOCKING = new Set(['recovering', 'unplugged', 'offline', 'no-network', 'pin-required', 'puk-locked']);

const READY: TransportHealth = { ready: true, state: 'ready' };

export function createModemTransport(options: ModemTransportOptions): ModemTransport {
  const log = options.logger.child({ transport: `modem:${options.name}` });
  const route = options.name;
  const timings: RecoveryTimings = { ...DEFAULT_RECOVERY, ...options.recovery };
  const urcListeners = new Set<(urc: UnsolicitedEvent) => void>();
  const reportListeners = new Set<(report: StatusReport) => void>();
  /** Where received SMS go (SPEC 10); unset: they stay in the modem's store. */
  let receivedListener: ReceivedListener | undefined;
  let driver: ModemDriver | undefined;
  let health: TransportHealth = { ready: false, state: 'stopped' };
  let stopping = false;
  let locked: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff: number | undefined;
  let timeouts = 0;
  let recovery: Promise<void> | undefined;
  /** The not-registered <stat> last said while in no-network. */
  let waitingStat: number | undefined;

  /** The driver in use, for the readers below; rejects when there is none. */
  const activeDriver = (): ModemDriver => {
    if (!driver || driver.isClosed) throw new Error(`modem ${route} is not open`);
    return driver;
  };
  const reports = createReportReader({ log, emit: (r) => reportListeners.forEach((l) => l(r)) });
  const inbound: InboundReader = createInboundReader({
    log,
    command: async (command) => activeDriver().command(command),
    inStore: async (mem, command) => activeDriver().inStore(mem, command),
    listener: () => receivedListener,
    profile: () => ({ cnma: activeDriver().profile.flags.cnma, cnmi: activeDriver().profile.cnmi }),
    report: reports.deliver,
    ...(options.rescanMs !== undefined ? { rescanMs: options.rescanMs } : {}),
  });

  /** Opens the port and initialises the modem; the new driver is `driver` from the open on. */
  async function openDriver(): Promise<ModemDriver> {
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
    next.onUnsolicited((urc) => {
      const domain = domainOf(urc.name);
      if (domain !== undefined) onNetwork(next, 'urc', { line: urc.line, domain });
    });
    next.onUnsolicited(reports.onUrc);
    next.onUnsolicited(inbound.onUrc);
    link.onClose((err) => onPortClosed(next, err));
    driver = next;
    try {
      await next.init();
    } catch (err) {
      await next.close().catch(() => undefined);
      if (isPinError(err)) lockRoute(err);
      throw err;
    }
    return next;
  }

  async function connect(): Promise<ModemDriver> {
    health = { ready: false, state: 'initialising' };
    try {
      const next = await openDriver();
      await settle(next, true);
      return next;
    } catch (err) {
      if (!locked) health = { ready: false, state: 'failed', detail: (err as Error).message };
      throw err;
    }
  }

  /** SIM PIN refused or PUK wanted: the route stops; said once, at error (SPEC 9). */
  function lockRoute(err: unknown): void {
    if (locked) return;
    locked = err as Error;
    clearTimer();
    const puk = (err as { cme?: number }).cme === 12;
    health = { ready: false, state: puk ? 'puk-locked' : 'pin-required', detail: locked.message };
    log.error({ event: 'modem.sim_locked', route, state: health.state, code: (err as { code?: string }).code }, `modem ${route} stopped: ${locked.message}; the PIN is not tried again`);
  }

  function clearTimer(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  function later(ms: number, task: () => Promise<void>): void {
    clearTimer();
    if (stopping || locked) return;
    timer = setTimeout(() => {
      timer = undefined;
      void task();
    }, ms);
  }

  function onPortClosed(closed: ModemDriver, err: Error | undefined): void {
    if (!err || stopping || locked || closed !== driver || health.state === 'recovering') return;
    health = { ready: false, state: 'unplugged', detail: err.message };
    scheduleReopen();
  }

  /** Reopen with backoff until the device is back (its by-id path returns) and initialised. */
  function scheduleReopen(): void {
    backoff = nextBackoff(backoff, timings);
    const wait = backoff;
    later(wait, async () => {
      try {
        const next = await openDriver();
        backoff = undefined;
        timeouts = 0;
        void settle(next);
        log.info({ event: 'modem.reopen', route, outcome: 'ok' }, `modem ${route} reopened and initialised`);
      } catch (err) {
        if (locked) return;
        health = { ready: false, state: health.state === 'offline' ? 'offline' : 'unplugged', detail: (err as Error).message };
        log.warn({ event: 'modem.reopen', route, outcome: 'failed', waitMs: nextBackoff(backoff, timings), ...reasonOf(err) }, `modem ${route}: reopen failed; trying again`);
        scheduleReopen();
      }
    });
  }

  function startRecovery(trigger: RecoveryTrigger): void {
    health = { ready: false, state: 'recovering', detail: 'starting' };
    recovery = climbLadder({
      log, route, trigger,
      attempt: runStep,
      onStep: (step, index) => (health = { ready: false, state: 'recovering', detail: `step ${index + 1}/4: ${step}` }),
      cancelled: () => stopping || locked !== undefined,
    }).then((step) => {
      if (stopping || locked) return;
      if (step && driver) {
        void settle(driver);
        return;
      }
      health = { ready: false, state: 'offline', detail: 'every recovery step failed; reopening on a timer' };
      scheduleReopen();
    });
  }

  async function runStep(step: RecoveryStep): Promise<void> {
    const current = driver;
    if (!current) throw new Error('no modem driver');
    try {
      if (step === 'sync') return await current.resync();
      if (step === 'reinit') return void (await current.init());
      if (step === 'reset') {
        await current.reset();
        await delay(timings.resetWait);
        if (current.isClosed) return void (await openDriver());
        return void (await current.init());
      }
      await current.close();
      await openDriver();
    } catch (err) {
      if (isPinError(err)) lockRoute(err);
      throw err;
    }
  }

  /**
   * After an init (start, reopen, a recovery step): the modem's store is scanned for what came
   * meanwhile (start waits for that scan, the others do not); ready when registered, else wait.
   * At start the route is ready only once the scan is done, so it is said to be ready
   * (transport.ready) before its first send, and the SMS stored while the gateway was down are
   * read before the modem is busy sending.
   */
  async function settle(current: ModemDriver, first = false): Promise<void> {
    const scanned = inbound.scan();
    if (isNetworkRegistered(current.network)) {
      if (first) await scanned;
      if (first && (current.isClosed || driver !== current || health.state !== 'initialising')) return;
      health = READY;
      return scanned;
    }
    const stat = networkStat(current.network);
    enterNoNetwork({ reason: `not registered yet (${describeStat(stat)})` }, 'unregistered', stat);
    return scanned;
  }

  /**
   * No network service (lost registration, +CMS ERROR 331, or none yet): no send touches the
   * modem; registration is polled (TS 27.007 §7.2) and a registered URC ends the wait at once.
   */
  function enterNoNetwork(trigger: RecoveryTrigger, outcome: 'lost' | 'unregistered', stat: number | undefined): void {
    health = { ready: false, state: 'no-network', detail: trigger.reason };
    waitingStat = stat;
    log.warn({ event: 'modem.network', route, outcome, ...(stat !== undefined ? { registration: stat } : {}), ...trigger }, `modem ${route} has no network service (${trigger.reason}); waiting for registration`);
    later(timings.networkPoll, pollNetwork);
  }

  async function pollNetwork(): Promise<void> {
    const current = driver;
    if (!current || current.isClosed || health.state !== 'no-network') return;
    await current.registration().catch(() => undefined);
    onNetwork(current, 'poll');
    if (health.state === 'no-network' && current === driver) later(timings.networkPoll, pollNetwork);
  }

  /** A registration URC or poll: lost, back, or a new reason to wait (registration.ts judgeNetwork). */
  function onNetwork(current: ModemDriver, via: 'urc' | 'poll', heard?: { readonly line: string; readonly domain: RegistrationDomain }): void {
    if (current !== driver || stopping || locked) return;
    const stat = networkStat(current.network);
    const change = judgeNetwork(health.state, isNetworkRegistered(current.network), stat, waitingStat);
    // The reason names what was heard (an LTE-only modem loses EPS: `+CEREG: 4`; the driver has
    // read it into its domain already); `registration` is the route's view of both domains.
    if (change === 'lost') enterNoNetwork({ reason: `registration lost: ${heard?.line ?? 'poll'} (${describeStat((heard && current.network[heard.domain]) ?? stat)})` }, 'lost', stat);
    if (change === 'restored') {
      clearTimer();
      health = READY;
      log.info({ event: 'modem.network', route, outcome: 'restored', registration: stat, via }, `modem ${route} registered again (${describeStat(stat)})`);
    }
    if (change === 'changed') {
      waitingStat = stat;
      health = { ready: false, state: 'no-network', detail: `not registered (${describeStat(stat)})` };
      const level = stat === 3 ? 'warn' : 'info';
      log[level]({ event: 'modem.network', route, outcome: 'changed', registration: stat, via }, `modem ${route} still has no network service (${describeStat(stat)})`);
    }
  }

  /** A send refused without touching the modem, naming the state and why. */
  function refusal(): SendOutcome {
    return temporary(`modem ${route} is ${health.state}${health.detail ? ` (${health.detail})` : ''}`);
  }

  async function usableDriver(): Promise<ModemDriver | SendOutcome> {
    if (driver && !driver.isClosed) return driver;
    try {
      log.warn({ event: 'modem.reopen', route }, 'modem port closed; reopening');
      return await connect();
    } catch (err) {
      return temporary(`modem unavailable: ${(err as Error).message}`);
    }
  }

  function afterSend(result: SendPduResult, segment: OutboundSegment): void {
    const judged = judgeSend(result, timeouts, timings.timeoutsBeforeRecovery);
    timeouts = judged.timeouts;
    const trigger = { qid: segment.qid, seg: `${segment.seq}/${segment.total}`, reason: result.kind === 'sent' ? '' : result.diagnostic };
    if (judged.action === 'recover') startRecovery(trigger);
    // A URC during the send may have said it first.
    if (judged.action === 'no-network' && health.state !== 'no-network') enterNoNetwork(trigger, 'lost', undefined);
  }

  return {
    name: options.name,
    kind: options.kind ?? 'modem',
    concurrency: 1,
    async start() {
      stopping = false;
      if (locked) throw locked;
      inbound.open();
      await connect();
    },
    async send(segment: OutboundSegment, signal: AbortSignal): Promise<SendOutcome> {
      if (stopping) return { kind: 'failed', temporary: true, status: '4.3.2', diagnostic: 'transport is stopping' };
      if (BLOCKING.has(health.state)) return refusal();
      const ready = await usableDriver();
      if (!(ready instanceof ModemDriver)) return ready;
      // A reopen just now may have found the modem unregistered.
      if (BLOCKING.has(health.state)) return refusal();
      let tpdu: { hex: string; length: number };
      try {
        // A modem whose profile says it delivers no +CDS is not asked for status reports.
        tpdu = buildSubmitTpdu(ready.profile.flags.noCds ? { ...segment, statusReport: false } : segment);
      } catch (err) {
        return { kind: 'failed', temporary: false, status: '5.1.3', diagnostic: `cannot build SMS-SUBMIT: ${(err as Error).message}` };
      }
      const result = await ready.sendPdu(tpdu.hex, tpdu.length, signal, { moreToFollow: segment.seq < segment.total });
      log.info({ event: 'modem.send', qid: segment.qid, seg: `${segment.seq}/${segment.total}`, outcome: result.kind }, 'AT+CMGS finished');
      afterSend(result, segment);
      return outcomeOf(result);
    },
    health: () => health,
    async stop({ drain }) {
      stopping = true;
      clearTimer();
      inbound.close();
      await recovery?.catch(() => undefined);
      const current = driver;
      if (current && drain && !current.isClosed) await current.command('AT').catch(() => undefined);
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
    onReceived(listener) {
      receivedListener = listener;
      inbound.retry();
      return () => {
        if (receivedListener === listener) receivedListener = undefined;
      };
    },
  };
}

function isPinError(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'M2S_AT_PIN';
}

function temporary(diagnostic: string): SendOutcome {
  return { kind: 'failed', temporary: true, status: '4.4.1', diagnostic };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function outcomeOf(result: SendPduResult): SendOutcome {
  if (result.kind === 'sent') return { kind: 'sent', messageRef: String(result.mr) };
  if (result.kind === 'unknown') return { kind: 'unknown', diagnostic: result.diagnostic };
  return { kind: 'failed', temporary: result.temporary, status: result.status, diagnostic: result.diagnostic };
}
