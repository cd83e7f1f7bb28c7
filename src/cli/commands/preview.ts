/*
 * preview.ts - `mail2sms preview FILE.eml [--to NUMBER] [--json]`: the SMS a mail would make,
 * through the same code as SMTP intake (pipeline.draftSms), with the TPDU of every segment as
 * AT+CMGS would be given it. The destination is --to, else the first <number>@<domain> of the
 * mail's To header. A concatenated preview uses reference 0; the queue allocates the real one.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_ACCOUNT } from '../../accounts/index.js';
import { configPath, loadConfig } from '../../config/index.js';
import { buildSubmitTpdu } from '../../encode/index.js';
import { GatewayError } from '../../errors.js';
import { draftSms } from '../../pipeline.js';
import { checkRecipient } from '../../policy/index.js';
import { parseCommandArgs, usageError } from '../args.js';

const USAGE = 'mail2sms preview FILE.eml [--to NUMBER] [--json] [--config FILE]';

export async function previewCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('preview', argv, { to: { type: 'string' }, json: { type: 'boolean' }, account: { type: 'string' } }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [file, extra] = positionals;
  if (!file || extra) throw usageError(`preview: give exactly one FILE.eml\nusage: ${USAGE}`);
  if (values.account !== undefined && values.account !== DEFAULT_ACCOUNT.name) throw usageError(`preview: unknown account "${values.account}"`);
  const config = loadConfig(configPath(values.config));
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw usageError(`preview: cannot read ${file}: ${(err as Error).message}`);
  }
  const account = DEFAULT_ACCOUNT;
  const result = await draftSms(raw, account);
  if (!result.ok) throw new GatewayError(result.error.code, `${file}: the gateway would refuse this mail: ${result.error.responseCode} ${result.error.message}`);
  const { draft } = result;
  const destination = destinationOf(values.to, draft.mail.headers.get('to'), config.domain, account.plan);
  const pdus = draft.parts.map((text, i) =>
    buildSubmitTpdu({
      destination,
      encoding: draft.encoding,
      text,
      statusReport: false,
      ...(draft.concatenated ? { concat: { ref: 0, total: draft.parts.length, seq: i + 1 } } : {}),
    }).hex,
  );
  if (values.json) {
    out.write(`${JSON.stringify({ text: draft.text, encoding: draft.encoding, segments: draft.parts.length, pdus, to: destination })}\n`);
  } else {
    out.write(`to:       ${destination}\nencoding: ${draft.encoding}\nsegments: ${draft.parts.length}${draft.concatenated ? ' (concatenated)' : ''}\ntext:\n${draft.text}\n`);
    pdus.forEach((pdu, i) => out.write(`pdu ${i + 1}/${pdus.length} (AT+CMGS=${pdu.length / 2}): ${pdu}\n`));
  }
  return 0;
}

function destinationOf(flag: string | undefined, toHeader: string | undefined, domains: readonly string[], plan: typeof DEFAULT_ACCOUNT.plan): string {
  const candidates = flag !== undefined ? [`${flag}@${domains[0] ?? 'localhost'}`] : (toHeader ?? '').match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? [];
  for (const address of candidates) {
    const r = checkRecipient(address, { domains, plan });
    if (r.ok) return r.number;
    if (flag !== undefined) throw usageError(`preview: --to "${flag}": ${r.reply.text}`);
  }
  throw usageError('preview: the mail\'s To header has no <number>@<gateway domain>; pass --to NUMBER');
}
