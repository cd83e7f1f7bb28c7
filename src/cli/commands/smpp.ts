/*
 * smpp.ts - `mail2sms smpp probe HOST:PORT --system-id ID [--password-file F] [--send NUMBER]
 * [--mode transceiver|transmitter] [--system-type T] [--tls] [--json] [--timeout-ms N]`
 * (issue 13 item 7): the bench test of an SMSC account, the counterpart of `modem probe`. Prints
 * the readable report (or one JSON object with --json) and ends with the verdict.
 *
 * Exit: 0 when the SMSC bound, answered enquire_link and (with --send) took the test submit_sm
 * with ESME_ROK; 1 when not (the verdict names the first reason); 2 for bad usage. No
 * --password-file: an empty password. Only the report goes to stdout; PDUs are logged to stderr
 * at warn level (MAIL2SMS_LOG_LEVEL=debug shows each one; the password never).
 */
import { parseListen } from '../../config/index.js';
import { createLogger } from '../../log/index.js';
import { formatSmscProbeReport, judgeSmscProbe, probeSmsc, readPasswordFile, type BindMode } from '../../transports/smpp/index.js';
import { intOption, parseCommandArgs, usageError } from '../args.js';

export const USAGE = 'mail2sms smpp probe HOST:PORT --system-id ID [--password-file F] [--send NUMBER] [--mode transceiver|transmitter] [--system-type T] [--tls] [--json] [--timeout-ms N]';

const MODES: readonly Exclude<BindMode, 'receiver'>[] = ['transceiver', 'transmitter'];

/** HOST:PORT to dial ("smsc.example.net:2775", "[::1]:2775"), or a usage error naming the value. */
function parseAddress(value: string): { host: string; port: number } {
  const port = /:(\d+)$/.exec(value)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw usageError(`smpp probe: port ${port} of "${value}" is out of range (1 to 65535)`);
  const address = value.startsWith(':') ? undefined : parseListen(value);
  if (!address) throw usageError(`smpp probe: "${value}" is not HOST:PORT (e.g. smsc.example.net:2775 or [::1]:2775)`);
  return address;
}

async function readPassword(path: string | undefined): Promise<string> {
  if (path === undefined) return '';
  try {
    return await readPasswordFile(path);
  } catch (err) {
    throw usageError(`smpp probe: --password-file ${path} cannot be read: ${(err as Error).message}`);
  }
}

export async function smppCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('smpp', argv, {
    'system-id': { type: 'string' },
    'password-file': { type: 'string' },
    send: { type: 'string' },
    mode: { type: 'string' },
    'system-type': { type: 'string' },
    tls: { type: 'boolean' },
    json: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
  }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [sub, target, ...extra] = positionals;
  if (sub !== 'probe') throw usageError(`smpp: ${sub === undefined ? 'give a subcommand' : `unknown subcommand "${sub}"`}\nusage: ${USAGE}`);
  if (target === undefined || extra.length > 0) throw usageError(`smpp probe: give exactly one HOST:PORT\nusage: ${USAGE}`);
  const { host, port } = parseAddress(target);
  const systemId = values['system-id'];
  if (systemId === undefined || systemId === '') throw usageError(`smpp probe: give --system-id ID\nusage: ${USAGE}`);
  const mode = (values.mode ?? 'transceiver') as Exclude<BindMode, 'receiver'>;
  if (!MODES.includes(mode)) throw usageError(`smpp probe: --mode must be transceiver or transmitter, not "${values.mode}"`);
  const send = values.send;
  if (send !== undefined && !/^\+?\d{3,15}$/.test(send)) {
    throw usageError(`smpp probe: --send must be a phone number (+ and 3 to 15 digits), not "${send}"`);
  }
  const timeoutMs = intOption('timeout-ms', values['timeout-ms'], 5_000, 100);
  const report = await probeSmsc({
    host, port, mode, systemId, tls: values.tls === true, timeoutMs,
    password: await readPassword(values['password-file']),
    ...(values['system-type'] === undefined ? {} : { systemType: values['system-type'] }),
    ...(send === undefined ? {} : { sendTo: send.startsWith('+') ? send : `+${send}` }),
    logger: createLogger({ level: process.env['MAIL2SMS_LOG_LEVEL'] ?? 'warn', destination: process.stderr }),
  });
  const judgment = judgeSmscProbe(report);
  if (values.json) out.write(`${JSON.stringify({ ...report, ...judgment }, null, 2)}\n`);
  else out.write(formatSmscProbeReport(report, judgment));
  return judgment.ready ? 0 : 1;
}
