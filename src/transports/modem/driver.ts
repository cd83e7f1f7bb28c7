/*
 * driver.ts - the stateful GSM modem driver over one serial link: a queue that runs one AT
 * exchange at a time through the AT channel (at-channel.ts), the init sequence and the PDU-mode
 * send (SPEC 9).
 *
 * Promise: command() resolves with the information lines or rejects with an AtError (code,
 * command, +CME/+CMS number, temporary); sendPdu() never rejects: it resolves `sent` with the
 * TP-MR, `failed` (classified by cms-errors.ts) or `unknown` when the PDU was written and no
 * final result came (the SMS may have gone, SPEC 7). URCs go to onUnsolicited listeners
 * whenever they arrive, also between AT+CMGS and the prompt. The channel logs every AT line at
 * debug under `transport: modem:<name>`; the PIN never (AT+CPIN="****").
 *
 * Registration: init asks for +CREG/+CEREG URCs and waits `registration` ms at most; `network`
 * holds the <stat> per domain as last read or announced (registration.ts), updated before any
 * listener hears the URC, and a URC heard during a read outranks the read's older answer.
 *
 * Recovery: a send with no prompt in time is aborted with ESC (TS 27.005 §3.5.1) and the
 * answers that follow an ESC are let pass for `escSettle` ms before the next command. A send the
 * modem left unanswered says so (`silent`); resync(), init() again and reset() (AT+CFUN=1,1) are
 * the steps the transport's recovery ladder (recovery.ts) climbs.
 *
 * Model quirks come from a profile (hardware/profiles, profile.ts): the route's `profile:`, or
 * the one AT+CGMI/AT+CGMM match at init. It sets the timeouts, a start-up wait, AT+CSCS="GSM",
 * the CNMI setting, extra init commands (a failing one is logged and skipped), an AT+CMGS length
 * that counts the SMSC octet, no AT+CMMS, and +CPIN: answered without OK.
 */
import { AtError } from '../../errors.js';
import { reasonOf, type Logger } from '../../log/index.js';
import { AtChannel, delay, describeFinal, type UnsolicitedEvent } from './at-channel.js';
import type { FinalResult } from './at-reader.js';
import { isRegistered, parseCmgs, parseCpin, parseCsq, parseRegistration, parseRegistrationUrc, redactAt } from './at-replies.js';
import { classifyCms, cmsDiagnostic } from './cms-errors.js';
import type { SerialLink } from './port.js';
import { detectProfile, effectiveProfile, identity, type EffectiveProfile, type Profile } from './profile.js';
import { domainOf, isNetworkRegistered, networkStat, withStat, type NetworkState, type RegistrationDomain } from './registration.js';

export interface DriverTimeouts {
  /** Any ordinary command. */
  readonly command: number;
  /** Each `AT` of the start-up sync, and how many are tried. */
  readonly sync: number;
  readonly syncAttempts: number;
  /** AT+CMGS=<n> to the `> ` prompt. */
  readonly prompt: number;
  /** PDU + Ctrl-Z to +CMGS/+CMS ERROR; the network may take tens of seconds. */
  readonly submit: number;
  /** Quiet time after ESC before the next command. */
  readonly escSettle: number;
  /**
   * How long init waits for registration, polling AT+CREG?/AT+CEREG?, before it returns the
   * modem unregistered (the transport then waits in no-network, SPEC 9).
   */
  readonly registration: number;
  readonly registrationPoll: number;
}

export const DEFAULT_TIMEOUTS: DriverTimeouts = {
  command: 5_000, sync: 1_000, syncAttempts: 5, prompt: 5_000, submit: 60_000,
  escSettle: 300, registration: 5_000, registrationPoll: 1_000,
};

export interface ModemDriverOptions {
  readonly name: string;
  readonly link: SerialLink;
  readonly logger: Logger;
  readonly pin?: string;
  readonly timeouts?: Partial<DriverTimeouts>;
  /** The route's `profile:` (hardware/profiles); absent: detected at init from AT+CGMI/AT+CGMM. */
  readonly profile?: Profile;
  /** The known profiles, for that detection; none given: the generic modem. */
  readonly profiles?: readonly Profile[];
}

export type { UnsolicitedEvent } from './at-channel.js';

export type SendPduResult =
  | { readonly kind: 'sent'; readonly mr: number }
  | { readonly kind: 'failed'; readonly temporary: boolean; readonly status: string; readonly diagnostic: string; readonly cms?: number; readonly silent?: true }
  /** `silent`: the modem stopped answering (a timeout), not a closed port. */
  | { readonly kind: 'unknown'; readonly diagnostic: string; readonly silent?: true };

export interface ModemStatus {
  /** The <stat> that counts (registration.ts networkStat); a not-registered one does not fail init. */
  readonly registration: number | undefined;
  readonly rssi: number | undefined;
}

const CTRL_Z = '\x1a';

export class ModemDriver {
  readonly name: string;
  private readonly at: AtChannel;
  private readonly log: Logger;
  private readonly pin: string | undefined;
  private t: DriverTimeouts;
  private p: EffectiveProfile;
  private readonly explicitProfile: boolean;
  private readonly profiles: readonly Profile[];
  private readonly timeoutOverrides: Partial<DriverTimeouts>;
  private readonly listeners = new Set<(urc: UnsolicitedEvent) => void>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Registration as last heard, read or announced (+CREG/+CEREG URCs); `heard` counts the URCs. */
  private net: NetworkState = {};
  private readonly heard: Record<RegistrationDomain, number> = { cs: 0, eps: 0 };
  /** False once AT+CEREG=1 answered ERROR (a 2G modem): AT+CEREG? is not asked. */
  private cereg = true;

  constructor(options: ModemDriverOptions) {
    this.name = options.name;
    this.log = options.logger.child({ transport: `modem:${options.name}` });
    this.pin = options.pin;
    this.timeoutOverrides = options.timeouts ?? {};
    this.explicitProfile = options.profile !== undefined;
    this.profiles = options.profiles ?? [];
    this.p = effectiveProfile(options.profile);
    this.t = this.timeoutsOf(this.p);
    this.at = new AtChannel({
      link: options.link,
      log: this.log,
      settleMs: this.t.escSettle,
      cmsTemporary: (code) => classifyCms(code, this.p.cmsErrors).temporary,
      onUrc: (urc) => this.onUrc(urc),
    });
  }

  get isClosed(): boolean {
    return this.at.isClosed;
  }

  /** The profile in use: the route's, the detected one, or `generic`. */
  get profile(): EffectiveProfile {
    return this.p;
  }

  /** Registration per domain as last read or announced by a URC (registration.ts). */
  get network(): NetworkState {
    return this.net;
  }

  /** A profile's timeouts under the ones given to the driver (tests, config). */
  private timeoutsOf(p: EffectiveProfile): DriverTimeouts {
    return { ...DEFAULT_TIMEOUTS, command: p.timeouts.command, prompt: p.timeouts.prompt, submit: p.timeouts.submit, ...this.timeoutOverrides };
  }

  onUnsolicited(listener: (urc: UnsolicitedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs one command in the queue; resolves with its information lines. */
  command(command: string, timeoutMs = this.t.command): Promise<string[]> {
    return this.enqueue(() => this.exchange(command, timeoutMs));
  }

  /**
   * AT+CPMS="<mem>" then `command` (AT+CMGR, AT+CMGL, AT+CMGD), in one turn of the queue, so no
   * other reader moves <mem1> between the two (TS 27.005 §3.2.2). An error to AT+CPMS is let
   * pass: some modems read the store a +CMTI/+CDSI named without it.
   */
  inStore(mem: string, command: string, timeoutMs = this.t.command): Promise<string[]> {
    return this.enqueue(async () => {
      await this.exchange(`AT+CPMS="${mem}"`).catch(() => undefined);
      return this.exchange(command, timeoutMs);
    });
  }

  /**
   * The init sequence (SPEC 9): AT sync, ATE0, AT+CMEE=1, PIN, AT+CMGF=0, AT+CNMI=2,1,0,1,0,
   * AT+CREG=1 and AT+CEREG=1, registration, AT+CSQ. Rejects with AtError; a refused PIN is never
   * tried twice. A modem not registered within `registration` ms is no failure: init resolves
   * with its <stat> and the transport waits for registration (index.ts).
   */
  init(): Promise<ModemStatus> {
    return this.enqueue(async () => {
      if (this.p.timeouts.startup > 0) await delay(this.p.timeouts.startup);
      // Echo is on again after a restart (V.250 §6.2.4; AT+CFUN=1,1 resets the settings).
      this.at.echo = true;
      await this.sync();
      await this.exchange('ATE0');
      this.at.echo = false;
      if (!this.explicitProfile && this.profiles.length > 0) await this.detect();
      await this.exchange('AT+CMEE=1');
      await this.unlock();
      await this.exchange('AT+CMGF=0');
      if (this.p.flags.needsCscs) await this.exchange('AT+CSCS="GSM"');
      // <mt>=1: +CMTI for stored SMS; <ds>=1: +CDS status reports (TS 27.005 §3.4.1).
      await this.exchange(`AT+CNMI=${this.p.cnmi}`);
      for (const command of this.p.init) {
        await this.exchange(command).catch((err: unknown) => this.log.warn({ event: 'modem.init.step_failed', profile: this.p.name, at: redactAt(command), ...reasonOf(err) }, `profile ${this.p.name}: ${redactAt(command)} failed; going on`));
      }
      await this.enableRegistrationUrcs();
      const registration = await this.awaitRegistration();
      const rssi = parseCsq(await this.exchange('AT+CSQ'));
      this.log.info({ event: 'modem.ready', registration, rssi, profile: this.p.name }, 'modem initialised');
      return { registration, rssi };
    });
  }

  /**
   * Sends one SMS-SUBMIT: AT+CMGS=<tpduLength>, `> `, "00" (the SIM's SMSC) + TPDU + Ctrl-Z.
   * `moreToFollow` sends AT+CMMS=2 first, keeping the link up between parts (TS 27.005 §3.5.6).
   */
  sendPdu(tpduHex: string, tpduLength: number, signal?: AbortSignal, options: { moreToFollow?: boolean } = {}): Promise<SendPduResult> {
    return this.enqueue(async () => {
      if (signal?.aborted) return failed(true, '4.3.0', 'send aborted before AT+CMGS');
      if (options.moreToFollow && !this.p.flags.noCmms) await this.exchange('AT+CMMS=2').catch(() => undefined);
      try {
        return await this.submit(tpduHex, tpduLength, signal);
      } catch (err) {
        // Only a closed or failing port gets here (begin/write); nothing was written yet
        // when begin() throws, and a failed write may have sent part of the PDU.
        const message = err instanceof Error ? err.message : String(err);
        return { kind: 'unknown', diagnostic: `port failure during AT+CMGS: ${message}` };
      }
    });
  }

  /** Recovery step 1: ESC (leaves PDU entry, TS 27.005 §3.5.1), then one `AT` answered OK. */
  resync(): Promise<void> {
    return this.enqueue(async () => {
      await this.at.escape();
      await this.exchange('AT', this.t.sync);
    });
  }

  /** Reads registration again (see readRegistration); resolves with the <stat> that counts. */
  registration(): Promise<number | undefined> {
    return this.enqueue(() => this.readRegistration());
  }

  /** AT+CFUN=1,1 (TS 27.007 §8.2): full functionality with a reset; a USB modem's port may vanish. */
  reset(): Promise<void> {
    return this.enqueue(async () => {
      await this.exchange('AT+CFUN=1,1');
    });
  }

  async close(): Promise<void> {
    await this.at.close();
  }

  private async submit(tpduHex: string, tpduLength: number, signal?: AbortSignal): Promise<SendPduResult> {
    // TS 27.005 §3.5.1: <length> counts the TPDU only; some firmwares count the SMSC octet too.
    const command = `AT+CMGS=${tpduLength + (this.p.flags.cmgsCountsSmsc ? 1 : 0)}`;
    this.at.begin(command);
    const prompt = await this.at.writeThenWait(`${command}\r`, undefined, this.t.prompt, (e) => (e === 'closed' || e.type === 'prompt' || e.type === 'final' ? e : undefined), signal);
    if (prompt === 'closed') return failed(true, '4.4.1', 'modem port closed before the prompt');
    if (prompt !== 'timeout' && prompt !== 'aborted' && prompt.type === 'final') return this.finalFailure(command, prompt.result);
    if (prompt === 'timeout') {
      await this.at.escape();
      return { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: `no "> " prompt after ${command}; aborted with ESC`, silent: true };
    }
    if (prompt === 'aborted') {
      await this.at.escape();
      return failed(true, '4.4.1', 'send aborted before the prompt');
    }
    const lines: string[] = [];
    const final = await this.at.writeThenWait(`00${tpduHex}${CTRL_Z}`, `00${tpduHex}<Ctrl-Z>`, this.t.submit, (e) => {
      if (e !== 'closed' && e.type === 'info') lines.push(e.line);
      return e === 'closed' || e.type === 'final' ? e : undefined;
    });
    if (final === 'timeout' || final === 'closed' || final === 'aborted') {
      const diagnostic = `PDU written, no answer to ${command} (${final})`;
      if (final !== 'timeout') return { kind: 'unknown', diagnostic };
      await this.at.escape();
      return { kind: 'unknown', diagnostic, silent: true };
    }
    this.at.end();
    if (final.type !== 'final' || final.result.kind !== 'ok') return this.finalFailure(command, final.type === 'final' ? final.result : { kind: 'error' });
    const mr = parseCmgs(lines);
    return mr === undefined ? { kind: 'unknown', diagnostic: `OK without +CMGS to ${command}` } : { kind: 'sent', mr };
  }

  private finalFailure(command: string, result: FinalResult): SendPduResult {
    this.at.end();
    if (result.kind === 'cms' && result.code !== undefined) {
      const info = classifyCms(result.code, this.p.cmsErrors);
      return failed(info.temporary, info.status, cmsDiagnostic(result.code, this.p.cmsErrors), result.code);
    }
    return failed(true, '4.3.0', `${command} answered ${describeFinal(result)}`);
  }

  /** AT+CGMI / AT+CGMM against the known profiles (STYLE 3: quirks are data, matched by data). */
  private async detect(): Promise<void> {
    const ask = (command: string): Promise<string> => this.exchange(command).then((lines) => identity(lines.join('\n')), () => '');
    const maker = await ask('AT+CGMI');
    const model = await ask('AT+CGMM');
    const found = detectProfile(maker, model, this.profiles);
    this.p = effectiveProfile(found);
    this.t = this.timeoutsOf(this.p);
    this.log.info({ event: 'modem.profile', profile: this.p.name, maker, model }, found ? `profile ${this.p.name} for ${maker} ${model}` : `no profile for ${maker} ${model}; generic modem`);
  }

  private async sync(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.exchange('AT', this.t.sync);
        return;
      } catch (err) {
        if (attempt >= this.t.syncAttempts) throw err;
        // A modem left in PDU entry takes "AT\r" as PDU text; ESC brings it back.
        await this.at.escape();
      }
    }
  }

  private async unlock(): Promise<void> {
    // Some Wavecom firmwares end AT+CPIN? with the +CPIN: line and no OK.
    const state = parseCpin(await this.exchange('AT+CPIN?', this.t.command, this.p.flags.cpinWithoutOk ? (line) => line.startsWith('+CPIN:') : undefined));
    if (state === 'READY') return;
    // +CME ERROR 12 is "SIM PUK required" (TS 27.007 §9.2.1): no PIN helps, only the PUK.
    if (state === 'SIM PUK') throw new AtError('M2S_AT_PIN', 'AT+CPIN?', 'the SIM is blocked and wants its PUK', { cme: 12 });
    if (state !== 'SIM PIN' || this.pin === undefined) {
      throw new AtError('M2S_AT_PIN', 'AT+CPIN?', `SIM is in state ${state ?? 'unknown'} and no usable PIN is configured`);
    }
    try {
      await this.exchange(`AT+CPIN="${this.pin}"`);
    } catch (err) {
      // Never retry a refused PIN: three wrong tries lock the SIM behind the PUK.
      throw new AtError('M2S_AT_PIN', 'AT+CPIN="****"', 'the SIM refused the configured PIN', { cause: err, ...(err instanceof AtError && err.cme !== undefined ? { cme: err.cme } : {}) });
    }
  }

  /**
   * AT+CREG=1 and AT+CEREG=1 (TS 27.007 §7.2, §10.1.22): the modem announces every registration
   * change as a URC, which the transport acts on. A modem without +CEREG (2G) answers ERROR and is
   * not asked AT+CEREG? after; one refusing AT+CREG=1 is logged and polled only.
   */
  private async enableRegistrationUrcs(): Promise<void> {
    this.net = {};
    await this.exchange('AT+CREG=1').catch((err: unknown) => this.log.warn({ event: 'modem.init.step_failed', profile: this.p.name, at: 'AT+CREG=1', ...reasonOf(err) }, 'AT+CREG=1 failed; registration is only polled'));
    this.cereg = await this.exchange('AT+CEREG=1').then(() => true, () => false);
  }

  /** Reads registration until registered or `registration` ms have passed; never throws for "not registered". */
  private async awaitRegistration(): Promise<number | undefined> {
    const deadline = Date.now() + this.t.registration;
    for (;;) {
      const stat = await this.readRegistration();
      if (isNetworkRegistered(this.net) || Date.now() >= deadline) return stat;
      await delay(this.t.registrationPoll);
    }
  }

  /**
   * AT+CREG?, and AT+CEREG? when circuit-switched is not registered and the modem knows +CEREG
   * (an LTE-only modem is registered on EPS alone). Resolves with networkStat().
   */
  private async readRegistration(): Promise<number | undefined> {
    await this.readDomain('cs', 'AT+CREG?');
    if (!isRegistered(this.net.cs) && this.cereg) await this.readDomain('eps', 'AT+CEREG?').catch(() => (this.net = withStat(this.net, 'eps', undefined)));
    return networkStat(this.net);
  }

  /** One read; a URC of the same domain heard while it ran is newer and wins. */
  private async readDomain(domain: RegistrationDomain, command: string): Promise<void> {
    const before = this.heard[domain];
    const stat = parseRegistration(await this.exchange(command));
    if (this.heard[domain] === before) this.net = withStat(this.net, domain, stat);
  }

  /** +CREG/+CEREG URCs update the registration before any listener hears them. */
  private onUrc(urc: UnsolicitedEvent): void {
    const domain = domainOf(urc.name);
    const stat = domain === undefined ? undefined : parseRegistrationUrc(urc.line);
    if (domain !== undefined && stat !== undefined) {
      this.heard[domain] += 1;
      this.net = withStat(this.net, domain, stat);
    }
    this.listeners.forEach((listener) => listener(urc));
  }

  /** One command through the channel, with the profile's command timeout unless told. */
  private exchange(command: string, timeoutMs = this.t.command, lastLine?: (line: string) => boolean): Promise<string[]> {
    return this.at.exchange(command, timeoutMs, lastLine);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function failed(temporary: boolean, status: string, diagnostic: string, cms?: number): SendPduResult {
  return cms === undefined ? { kind: 'failed', temporary, status, diagnostic } : { kind: 'failed', temporary, status, diagnostic, cms };
}
