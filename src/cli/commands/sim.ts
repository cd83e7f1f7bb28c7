/*
 * sim.ts - `mail2sms sim [--pty] [--link PATH] [--latency-ms N] [--pin PIN] [--profile NAME]
 * [--fault NAME]…`: the simulated modem on a pseudo-terminal, for testing other software (or
 * this gateway through a real serial port binding). Prints the pty path on the first line, then
 * one JSON line per SMS it receives, decoded. Runs until SIGTERM/SIGINT. Needs socat (Debian
 * package `socat`).
 * `--fault` (repeatable) sets a named fault (transports/sim/faults.ts), e.g. `status-report` so
 * every SMS gets a +CDS, `cms-error:331` for one refusal, `slow:500` for a slow modem.
 * `--profile` makes the device pass for a shipped modem family (hardware/profiles/NAME.yaml):
 * its identity (AT+CGMI/AT+CGMM/AT+CGMR) and its quirks (transports/sim/quirks.ts).
 * `--mo NUMBER TEXT` (repeatable) has a phone send the modem TEXT from NUMBER (or an
 * alphanumeric name) MO_DELAY_MS after start, in order: stored and announced as the software on
 * the other end set AT+CNMI (before it did, stored unannounced, for its AT+CMGL to find); one
 * JSON line `sim.mo` each. The store holds `--store N` places (default 30).
 * While it runs, a line `mo NUMBER TEXT` on its standard input has the phone send one more at
 * once (so a test or a person can answer an SMS the software sent); a bad line is said on
 * stderr and ignored.
 */
import { createInterface } from 'node:readline';
import { loadModemProfiles } from '../../config/index.js';
import { decodeSubmitTpdu, planText } from '../../encode/index.js';
import { parseSimFault, SIM_FAULT_NAMES, SimDevice, simQuirksOf, startPtySim, type MoSms, type SimDeviceOptions } from '../../transports/sim/index.js';
import { intOption, parseCommandArgs, usageError } from '../args.js';

export const USAGE = 'mail2sms sim [--pty] [--link PATH] [--latency-ms N] [--pin PIN] [--profile NAME] [--fault NAME]... [--store N] [--mo NUMBER TEXT]...';

/** How long after start the --mo texts arrive: the pty is up, the other end may open it. */
export const MO_DELAY_MS = 1_000;

export interface SimArgs {
  readonly help: boolean;
  readonly link?: string;
  readonly device: SimDeviceOptions;
  /** The --mo texts, in order. */
  readonly mo: readonly MoSms[];
}

/** Takes each `--mo NUMBER TEXT` out of argv (parseArgs knows no two-value option); the rest and the texts. */
function takeMo(argv: readonly string[]): { readonly rest: string[]; readonly mo: MoSms[] } {
  const rest: string[] = [];
  const mo: MoSms[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--mo') {
      rest.push(argv[i]!);
      continue;
    }
    const from = argv[i + 1];
    const text = argv[i + 2];
    if (from === undefined || text === undefined) throw usageError(`sim: --mo wants a NUMBER and a TEXT\nusage: ${USAGE}`);
    const sms = moOf(from, text);
    if (typeof sms === 'string') throw usageError(`sim: --mo ${sms}`);
    mo.push(sms);
    i += 2;
  }
  return { rest, mo };
}

/** One MO SMS, or what is wrong with it. */
function moOf(from: string, text: string): MoSms | string {
  if (!/^\+?\d{1,20}$/.test(from) && !/^[A-Za-z0-9 ]{1,11}$/.test(from)) return `"${from}" is not a number (+ and up to 20 digits) or a sender name (up to 11 letters and digits)`;
  if (!planText(text, { long: 'concatenate', maxSegments: 255 }).ok) return `text of ${text.length} characters needs more than 255 SMS`;
  return { from, text };
}

/** The command line as device options; a bad value is a usage error (exit 2) naming what is allowed. */
export function parseSimArgs(argv: readonly string[], profilesDir?: string): SimArgs {
  const { rest, mo } = takeMo(argv);
  const { values } = parseCommandArgs('sim', rest, {
    pty: { type: 'boolean' },
    link: { type: 'string' },
    'latency-ms': { type: 'string' },
    pin: { type: 'string' },
    profile: { type: 'string' },
    fault: { type: 'string', multiple: true },
    store: { type: 'string' },
  }, USAGE);
  if (values.help) return { help: true, device: {}, mo: [] };
  if (values.pin !== undefined && !/^\d{4,8}$/.test(values.pin)) throw usageError(`sim: --pin must be 4 to 8 digits, not "${values.pin}"`);
  const latencyMs = intOption('latency-ms', values['latency-ms'], 0, 0);
  const storeCapacity = intOption('store', values.store, 30, 1);
  if (storeCapacity > 255) throw usageError(`sim: --store must be 1 to 255 places, not ${storeCapacity}`);
  const faults = (values.fault ?? []).map((name) => {
    const fault = parseSimFault(name);
    if (fault === undefined) throw usageError(`sim: --fault "${name}" is not one of ${SIM_FAULT_NAMES.join(', ')}`);
    return fault;
  });
  const family = values.profile === undefined ? {} : familyOf(values.profile, profilesDir);
  return {
    help: false,
    ...(values.link !== undefined ? { link: values.link } : {}),
    device: { now: Date.now, latencyMs, faults, storeCapacity, ...family, ...(values.pin !== undefined ? { pin: values.pin } : {}) },
    mo,
  };
}

/** Identity and quirks of the shipped profile `name`. */
function familyOf(name: string, profilesDir: string | undefined): Pick<SimDeviceOptions, 'identity' | 'quirks'> {
  const profiles = loadModemProfiles(profilesDir);
  const profile = profiles.find((p) => p.name === name);
  if (!profile) throw usageError(`sim: --profile "${name}" is not one of ${profiles.map((p) => p.name).join(', ')}`);
  return simQuirksOf(profile);
}

export async function simCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseSimArgs(argv);
  if (args.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const device = new SimDevice(args.device);
  device.onSubmit((s) => {
    let decoded: Record<string, unknown>;
    try {
      const d = decodeSubmitTpdu(s.tpduHex);
      decoded = { destination: d.destination, encoding: d.encoding, text: d.text, concat: d.udh?.concat ?? null, statusReport: d.statusReport };
    } catch (err) {
      decoded = { decodeError: (err as Error).message };
    }
    out.write(`${JSON.stringify({ event: 'sim.sms', at: new Date(s.at).toISOString(), mr: s.mr, length: s.length, tpdu: s.tpduHex, ...decoded })}\n`);
  });
  const pty = await startPtySim(device, args.link !== undefined ? { link: args.link } : {});
  out.write(`${pty.path}\n`);
  const deliver = (sms: MoSms): void => {
    const tpdus = pty.deliverMo(sms);
    out.write(`${JSON.stringify({ event: 'sim.mo', at: new Date().toISOString(), from: sms.from, text: sms.text, parts: tpdus.length, tpdus, held: device.heldByNetwork() })}\n`);
  };
  const moTimer = setTimeout(() => args.mo.forEach(deliver), MO_DELAY_MS);
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const m = /^mo\s+(\S+)\s+(.+)$/.exec(line.trim());
    const sms = m ? moOf(m[1] as string, m[2] as string) : `"${line.trim()}" is not "mo NUMBER TEXT"`;
    if (typeof sms === 'string') process.stderr.write(`sim: ${sms}\n`);
    else deliver(sms);
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearTimeout(moTimer);
  input.close();
  await pty.close();
  return 0;
}
