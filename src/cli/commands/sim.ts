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
 */
import { loadModemProfiles } from '../../config/index.js';
import { decodeSubmitTpdu } from '../../encode/index.js';
import { parseSimFault, SIM_FAULT_NAMES, SimDevice, simQuirksOf, startPtySim, type SimDeviceOptions } from '../../transports/sim/index.js';
import { intOption, parseCommandArgs, usageError } from '../args.js';

const USAGE = 'mail2sms sim [--pty] [--link PATH] [--latency-ms N] [--pin PIN] [--profile NAME] [--fault NAME]...';

export interface SimArgs {
  readonly help: boolean;
  readonly link?: string;
  readonly device: SimDeviceOptions;
}

/** The command line as device options; a bad value is a usage error (exit 2) naming what is allowed. */
export function parseSimArgs(argv: readonly string[], profilesDir?: string): SimArgs {
  const { values } = parseCommandArgs('sim', argv, {
    pty: { type: 'boolean' },
    link: { type: 'string' },
    'latency-ms': { type: 'string' },
    pin: { type: 'string' },
    profile: { type: 'string' },
    fault: { type: 'string', multiple: true },
  }, USAGE);
  if (values.help) return { help: true, device: {} };
  if (values.pin !== undefined && !/^\d{4,8}$/.test(values.pin)) throw usageError(`sim: --pin must be 4 to 8 digits, not "${values.pin}"`);
  const latencyMs = intOption('latency-ms', values['latency-ms'], 0, 0);
  const faults = (values.fault ?? []).map((name) => {
    const fault = parseSimFault(name);
    if (fault === undefined) throw usageError(`sim: --fault "${name}" is not one of ${SIM_FAULT_NAMES.join(', ')}`);
    return fault;
  });
  const family = values.profile === undefined ? {} : familyOf(values.profile, profilesDir);
  return {
    help: false,
    ...(values.link !== undefined ? { link: values.link } : {}),
    device: { now: Date.now, latencyMs, faults, ...family, ...(values.pin !== undefined ? { pin: values.pin } : {}) },
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
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await pty.close();
  return 0;
}
