/*
 * modem.ts - `mail2sms modem probe PATH [--baud N] [--send NUMBER] [--json] [--timeout-ms N]
 * [--report-timeout-ms N]` (SPEC 11, 12): the bench test of a modem. Prints the readable report
 * (or one JSON object with --json) and ends with the verdict.
 *
 * Exit: 0 when the modem is ready to send SMS, 1 when it is not (the verdict names the first
 * reason), 2 for bad usage. Only the report goes to stdout; AT traffic is logged to stderr at
 * warn level (MAIL2SMS_LOG_LEVEL=debug shows every AT line there).
 */
import { createLogger } from '../../log/index.js';
import { formatProbeReport, judgeProbe, probeModem } from '../../transports/modem/index.js';
import { intOption, parseCommandArgs, usageError } from '../args.js';

export const USAGE = 'mail2sms modem probe PATH [--baud N] [--send NUMBER] [--json] [--timeout-ms N] [--report-timeout-ms N]';

/** Rates serialport takes on Linux (termios B* constants) that a modem may use. */
const BAUDS = new Set([300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]);

export async function modemCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('modem', argv, {
    baud: { type: 'string', short: 'b' },
    send: { type: 'string' },
    json: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
    'report-timeout-ms': { type: 'string' },
  }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [sub, path, ...extra] = positionals;
  if (sub !== 'probe') throw usageError(`modem: ${sub === undefined ? 'give a subcommand' : `unknown subcommand "${sub}"`}\nusage: ${USAGE}`);
  if (path === undefined || extra.length > 0) throw usageError(`modem probe: give exactly one serial port PATH\nusage: ${USAGE}`);
  const baud = values.baud === undefined ? undefined : Number(values.baud);
  if (baud !== undefined && (!/^\d+$/.test(values.baud ?? '') || !BAUDS.has(baud))) {
    throw usageError(`modem probe: --baud must be one of ${[...BAUDS].join(', ')}, not "${values.baud}"`);
  }
  if (values.send !== undefined && !/^\+?\d{3,15}$/.test(values.send)) {
    throw usageError(`modem probe: --send must be a phone number (+ and 3 to 15 digits), not "${values.send}"`);
  }
  const report = await probeModem({
    path,
    ...(baud !== undefined ? { baud } : {}),
    ...(values.send !== undefined ? { sendTo: values.send } : {}),
    timeoutMs: intOption('timeout-ms', values['timeout-ms'], 5_000, 100),
    reportWaitMs: intOption('report-timeout-ms', values['report-timeout-ms'], 60_000, 0),
    logger: createLogger({ level: process.env['MAIL2SMS_LOG_LEVEL'] ?? 'warn', destination: process.stderr }),
  });
  const judgment = judgeProbe(report);
  if (values.json) out.write(`${JSON.stringify({ ...report, ...judgment }, null, 2)}\n`);
  else out.write(formatProbeReport(report, judgment));
  return judgment.ready ? 0 : 1;
}
