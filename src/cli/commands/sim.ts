/*
 * sim.ts - `mail2sms sim [--pty] [--link PATH] [--latency-ms N] [--pin PIN] [--fault NAME]…`: the simulated
 * modem on a pseudo-terminal, for testing other software (or this gateway through a real
 * serial port binding). Prints the pty path on the first line, then one JSON line per SMS it
 * receives, decoded. Runs until SIGTERM/SIGINT. Needs socat (Debian package `socat`).
 * `--fault` (repeatable) sets a named fault (transports/sim/faults.ts), e.g. `status-report` so
 * every SMS gets a +CDS, `cms-error:331` for one refusal, `slow:500` for a slow modem.
 */
import { decodeSubmitTpdu } from '../../encode/index.js';
import { parseSimFault, SIM_FAULT_NAMES, SimDevice, startPtySim } from '../../transports/sim/index.js';
import { intOption, parseCommandArgs, usageError } from '../args.js';

const USAGE = 'mail2sms sim [--pty] [--link PATH] [--latency-ms N] [--pin PIN] [--fault NAME]...';

export async function simCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs('sim', argv, {
    pty: { type: 'boolean' },
    link: { type: 'string' },
    'latency-ms': { type: 'string' },
    pin: { type: 'string' },
    fault: { type: 'string', multiple: true },
  }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  if (values.pin !== undefined && !/^\d{4,8}$/.test(values.pin)) throw usageError(`sim: --pin must be 4 to 8 digits, not "${values.pin}"`);
  const latencyMs = intOption('latency-ms', values['latency-ms'], 0, 0);
  const faults = (values.fault ?? []).map((name) => {
    const fault = parseSimFault(name);
    if (fault === undefined) throw usageError(`sim: --fault "${name}" is not one of ${SIM_FAULT_NAMES.join(', ')}`);
    return fault;
  });
  const device = new SimDevice({ now: Date.now, latencyMs, faults, ...(values.pin !== undefined ? { pin: values.pin } : {}) });
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
  const pty = await startPtySim(device, values.link !== undefined ? { link: values.link } : {});
  out.write(`${pty.path}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await pty.close();
  return 0;
}
