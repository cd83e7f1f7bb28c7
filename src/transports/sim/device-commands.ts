/*
 * device-commands.ts - the simulated modem's answers to single AT commands (everything but
 * AT+CMGS, whose prompt and PDU entry live in device.ts), and the state a device starts in.
 *
 * Promise: pure; reads and updates the DeviceState it is given, returns the exact bytes to send
 * (V.250 §5.7.1 verbose framing) and any URCs the command causes. Errors follow AT+CMEE
 * (TS 27.007 §9.1): 0 plain ERROR, 1 numeric +CME ERROR, 2 verbose +CME ERROR. A device with
 * quirks (quirks.ts) answers as that firmware does: the character set of +CSCA?, +CPIN? without
 * OK, AT+CMMS refused, one AT+CNMI setting only, its own final error line, its own commands.
 */
import type { SimDeviceOptions, SimIdentity } from './device.js';
import { fromCharset, inCharset, initialCharset, isVendorCommand, type SimQuirks } from './quirks.js';

export interface DeviceState {
  echo: boolean;
  cmee: number;
  pinState: 'ready' | 'pin' | 'puk';
  pinAttempts: number;
  readonly pin: string | undefined;
  cmgf: number;
  cnmi: number[];
  cregMode: number;
  ceregMode: number;
  cmms: number;
  registration: number;
  epsRegistration: number;
  smsc: string;
  readonly operator: string;
  readonly rssi: number;
  readonly identity: SimIdentity;
  readonly quirks: SimQuirks;
  /** TE character set (AT+CSCS, TS 27.007 §5.5). */
  cscs: string;
}

/** The state at power-on (and after AT+CFUN=1,1) of a device with these options. */
export function initialState(options: SimDeviceOptions): DeviceState {
  const quirks = options.quirks ?? {};
  return {
    quirks,
    cscs: initialCharset(quirks),
    echo: true,
    cmee: 0,
    pinState: options.pukLocked ? 'puk' : options.pin === undefined ? 'ready' : 'pin',
    pinAttempts: 3,
    pin: options.pin,
    cmgf: 0,
    cnmi: [0, 0, 0, 0, 0],
    cregMode: 0,
    ceregMode: 0,
    cmms: 0,
    registration: options.registration ?? 1,
    epsRegistration: options.epsRegistration ?? options.registration ?? 1,
    smsc: options.smsc ?? '+447785016005',
    operator: options.operator ?? 'SIMNET',
    rssi: options.rssi ?? 20,
    identity: {
      manufacturer: 'mail2sms',
      model: 'SIM-1',
      revision: '1.0.0',
      imei: '356938035643809',
      imsi: '001010123456789',
      iccid: '8988211000000000001',
      ...options.identity,
    },
  };
}

export interface CommandResult {
  readonly reply: string;
  readonly urcs?: readonly string[];
  /** AT+CFUN=1,1: the modem restarts after answering. */
  readonly restart?: boolean;
}

/** TS 27.007 §9.2.1 texts for the codes the device uses. */
const CME_TEXT: Readonly<Record<number, string>> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  16: 'incorrect password',
  50: 'Incorrect parameters',
};

const OK = '\r\nOK\r\n';
const PLAIN_ERROR: CommandResult = { reply: '\r\nERROR\r\n' };

export function reply(...lines: string[]): CommandResult {
  return { reply: lines.map((l) => `\r\n${l}\r\n`).join('') + OK };
}

function cmeError(state: DeviceState, code: number): CommandResult {
  if (state.cmee === 0) return { reply: '\r\nERROR\r\n' };
  return { reply: `\r\n+CME ERROR: ${state.cmee === 2 ? CME_TEXT[code] ?? 'unknown' : code}\r\n` };
}

function simLocked(state: DeviceState): CommandResult | undefined {
  if (state.pinState === 'pin') return cmeError(state, 11);
  if (state.pinState === 'puk') return cmeError(state, 12);
  return undefined;
}

/**
 * TS 27.005 §3.2.5: an SMS command on a locked SIM answers +CMS ERROR 311 (SIM PIN required) or
 * 316 (SIM PUK required), as a Huawei E3372 answers AT+CMGF=0 before its PIN (issue 15).
 */
function smsLocked(state: DeviceState): CommandResult | undefined {
  if (state.pinState === 'pin') return cmsError(state, 311);
  if (state.pinState === 'puk') return cmsError(state, 316);
  return undefined;
}

/** <stat> of CS (+CREG) or EPS (+CEREG) as the network reports it: nothing is registered while the SIM is locked. */
function stat(state: DeviceState, domain: 'cs' | 'eps' = 'cs'): number {
  if (state.pinState !== 'ready') return 0;
  return domain === 'cs' ? state.registration : state.epsRegistration;
}

type Handler = (state: DeviceState, arg: string) => CommandResult;

/*
 * Queries and settings that SMS daemons (gammu-smsd, smstools, Kannel) send while they probe a
 * modem, answered as common modems answer them (gammu's tests/at-* dumps). The message store's
 * commands (AT+CPMS, AT+CMGL, AT+CMGR, AT+CMGD, AT+CNMA) are message-commands.ts'.
 */
const STORAGE_AND_CHARSET: ReadonlyArray<readonly [RegExp, Handler]> = [
  [/^&F$/, () => reply()],
  [/^S0\?$/, () => reply('000')],
  [/^S0=\d+$/, () => reply()],
  [/^\+CLIP=[01]$/, () => reply()],
  [/^\+CMGF=\?$/, () => reply('+CMGF: (0,1)')],
  // TS 27.007 §5.5: the character set of string parameters (+CSCA); PDUs are hex whatever it is.
  [/^\+CSCS\?$/, (s) => reply(`+CSCS: "${s.cscs}"`)],
  [/^\+CSCS=\?$/, () => reply('+CSCS: ("GSM","IRA","UCS2")')],
  [/^\+CSCS="(GSM|IRA|UCS2|8859-1|HEX|PCCP437)"$/, (s, a) => ((s.cscs = a), reply())],
  // TS 27.005 §3.2.1 service selection: phase 2 (0), MT, MO and broadcast supported.
  [/^\+CSMS\?$/, () => reply('+CSMS: 0,1,1,1')],
  [/^\+CSMS=\?$/, () => reply('+CSMS: (0,1)')],
  [/^\+CSMS=[01]$/, () => reply('+CSMS: 1,1,1')],
  [/^\+CNMI=\?$/, () => reply('+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)')],
  [/^\+CBC$/, () => reply('+CBC: 0,100')],
];

/** TS 27.005 §3.2.5 +CMS ERROR; numeric unless AT+CMEE=0 (then plain ERROR). */
export function cmsError(state: DeviceState, code: number): CommandResult {
  return { reply: state.cmee === 0 ? '\r\nERROR\r\n' : `\r\n+CMS ERROR: ${code}\r\n` };
}

/** Command name (upper case, without AT) and its handler; the argument is what follows the name. */
const COMMANDS: ReadonlyArray<readonly [RegExp, Handler]> = [
  [/^$/, () => reply()],
  [/^Z$/, () => reply()],
  [/^E([01]?)$/, (s, a) => ((s.echo = a === '1'), reply())],
  [/^I$/, (s) => reply(`Manufacturer: ${s.identity.manufacturer}`, `Model: ${s.identity.model}`, `Revision: ${s.identity.revision}`, `IMEI: ${s.identity.imei}`)],
  [/^\+CGMI$/, (s) => reply(s.identity.manufacturer)],
  [/^\+CGMM$/, (s) => reply(s.identity.model)],
  [/^\+CGMR$/, (s) => reply(s.identity.revision)],
  [/^\+CGSN$/, (s) => reply(s.identity.imei)],
  [/^\+CIMI$/, (s) => simLocked(s) ?? reply(s.identity.imsi)],
  [/^\+CCID$/, (s) => reply(`+CCID: ${s.identity.iccid}`)],
  [/^\+CMEE=([012])$/, (s, a) => ((s.cmee = Number(a)), reply())],
  [/^\+CMEE\?$/, (s) => reply(`+CMEE: ${s.cmee}`)],
  [/^\+CPIN\?$/, cpinState],
  [/^\+CPIN="?([0-9]*)"?$/, enterPin],
  [/^\+CMGF=([01])$/, (s, a) => smsLocked(s) ?? ((s.cmgf = Number(a)), reply())],
  [/^\+CMGF\?$/, (s) => reply(`+CMGF: ${s.cmgf}`)],
  [/^\+CNMI=([0-3](?:,[0-3]){0,4})$/, setCnmi],
  [/^\+CNMI\?$/, (s) => reply(`+CNMI: ${s.cnmi.join(',')}`)],
  [/^\+CSCA\?$/, (s) => simLocked(s) ?? reply(`+CSCA: "${inCharset(s.smsc, s.cscs)}",${s.smsc.startsWith('+') ? 145 : 129}`)],
  [/^\+CSCA="([+0-9A-F]+)"(?:,\d+)?$/, setCsca],
  [/^\+CREG=([012])$/, (s, a) => ((s.cregMode = Number(a)), reply())],
  [/^\+CREG\?$/, (s) => reply(`+CREG: ${s.cregMode},${stat(s)}`)],
  [/^\+CEREG=([012])$/, (s, a) => ((s.ceregMode = Number(a)), reply())],
  [/^\+CEREG\?$/, (s) => reply(`+CEREG: ${s.ceregMode},${stat(s, 'eps')}`)],
  [/^\+CGREG\?$/, (s) => reply(`+CGREG: 0,${stat(s)}`)],
  [/^\+CSQ$/, (s) => reply(`+CSQ: ${s.pinState === 'ready' ? s.rssi : 99},99`)],
  [/^\+COPS\?$/, (s) => reply([1, 5].includes(stat(s)) ? `+COPS: 0,0,"${s.operator}",7` : '+COPS: 0')],
  [/^\+CMMS=([012])$/, (s, a) => (s.quirks.noCmms ? PLAIN_ERROR : ((s.cmms = Number(a)), reply()))],
  [/^\+CMMS\?$/, (s) => (s.quirks.noCmms ? PLAIN_ERROR : reply(`+CMMS: ${s.cmms}`))],
  [/^\+CFUN\?$/, () => reply('+CFUN: 1')],
  [/^\+CFUN=1,1$/, () => ({ ...reply(), restart: true })],
  [/^\+CFUN=[01]$/, () => reply()],
  ...STORAGE_AND_CHARSET,
];

function enterPin(s: DeviceState, pin: string): CommandResult {
  if (s.pinState === 'ready') return cmeError(s, 3);
  if (s.pinState === 'puk') return cmeError(s, 12);
  if (pin !== s.pin) {
    s.pinAttempts -= 1;
    if (s.pinAttempts <= 0) s.pinState = 'puk';
    return cmeError(s, 16);
  }
  s.pinState = 'ready';
  // The modem registers once the SIM is open; AT+CREG=1/2 announces it (TS 27.007 §7.2).
  const urcs = [...(s.cregMode > 0 ? [`+CREG: ${s.registration}`] : []), ...(s.ceregMode > 0 ? [`+CEREG: ${s.epsRegistration}`] : [])];
  return { ...reply(), urcs };
}

/** +CPIN: <code> (TS 27.007 §8.3); a cpinWithoutOk firmware sends no final result after it. */
function cpinState(s: DeviceState): CommandResult {
  const line = `\r\n+CPIN: ${s.pinState === 'ready' ? 'READY' : s.pinState === 'pin' ? 'SIM PIN' : 'SIM PUK'}\r\n`;
  return { reply: s.quirks.cpinWithoutOk ? line : line + OK };
}

/** The SMSC address, typed in the TE character set (UCS2: hex). */
function setCsca(s: DeviceState, arg: string): CommandResult {
  const smsc = fromCharset(arg, s.cscs);
  if (smsc === undefined || !/^\+?[0-9]+$/.test(smsc)) return cmsError(s, 304);
  s.smsc = smsc;
  return reply();
}

function setCnmi(s: DeviceState, arg: string): CommandResult {
  // A firmware that takes one setting only refuses the rest (quirks.ts `cnmi`).
  if (s.quirks.cnmi !== undefined && arg !== s.quirks.cnmi) return cmsError(s, 303);
  const values = arg.split(',').map(Number);
  s.cnmi = [0, 1, 2, 3, 4].map((i) => values[i] ?? 0);
  return reply();
}

/**
 * Runs one command line ("AT+CSQ"); unknown commands answer ERROR or +CME ERROR: 4, or the
 * firmware's own final error line (quirks `finalErrors`).
 */
export function runCommand(state: DeviceState, line: string): CommandResult {
  const body = line.slice(2);
  for (const [pattern, handler] of COMMANDS) {
    // Every argument the device takes is digits, hex or '+', so upper-casing the line is safe.
    const m = pattern.exec(body.toUpperCase());
    if (m) return handler(state, m[1] ?? '');
  }
  if (isVendorCommand(state.quirks, line)) return reply();
  const own = state.quirks.finalErrors?.[0];
  return own !== undefined ? { reply: `\r\n${own}\r\n` } : cmeError(state, 4);
}
