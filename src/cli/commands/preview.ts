/*
 * preview.ts - `mail2sms preview FILE.eml [--account NAME] [--to NUMBER] [--json]`: the SMS a
 * mail would make, through the same code as SMTP intake (pipeline.draftSms), with the TPDU of
 * every segment as AT+CMGS would be given it. The account's settings (compose mode, appended
 * text, long mode, segment limit, numbering plan) apply: --account, else the account of the user
 * the mail's From names, else `default`. The destination is --to, else the first
 * <number>@<domain> of the mail's To header. A concatenated preview uses reference 0; the queue
 * allocates the real one. Sender checks and the verdict are not run: mail to verdict@ does that.
 */
import { readFileSync } from 'node:fs';
import type { Account, NumberingPlan } from '../../accounts/index.js';
import { configPath, loadConfig } from '../../config/index.js';
import { buildSubmitTpdu } from '../../encode/index.js';
import { GatewayError, type SmtpError } from '../../errors.js';
import { parseMail } from '../../parse/index.js';
import { planSms } from '../../pipeline.js';
import { replies } from '../../smtp/index.js';
import { checkRecipient } from '../../policy/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import { withAccountStore } from './account.js';

const USAGE = 'mail2sms preview FILE.eml [--account NAME] [--to NUMBER] [--json] [--config FILE]';

export async function previewCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('preview', argv, { to: { type: 'string' }, json: { type: 'boolean' }, account: { type: 'string' } }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [file, extra] = positionals;
  if (!file || extra) throw usageError(`preview: give exactly one FILE.eml\nusage: ${USAGE}`);
  const config = loadConfig(configPath(values.config));
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw usageError(`preview: cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = await parseMail(raw);
  if (!parsed.ok) throw refused(file, replies.unparseable(parsed.reason));
  const account = await accountFor(values.config, values.account, parsed.mail.from);
  const result = planSms(parsed.mail, account);
  if (!result.ok) throw refused(file, result.error);
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

/** --account, else the account of the user the From header names, else `default`. */
function refused(file: string, error: SmtpError): GatewayError {
  return new GatewayError(error.code, `${file}: the gateway would refuse this mail: ${error.responseCode} ${error.message}`);
}

async function accountFor(configFlag: string | undefined, name: string | undefined, from: string | undefined): Promise<Account> {
  return withAccountStore(configFlag, 'read', (store) => {
    if (name !== undefined) {
      const account = store.getAccount(name);
      if (!account) throw usageError(`preview: --account "${name}": no such account (see mail2sms account list)`);
      return account;
    }
    const sender = from ? store.findSender(from) : undefined;
    const fallback = store.getAccount('default');
    if (sender) return sender.account;
    if (fallback) return fallback;
    throw usageError('preview: the From header names no user and there is no account "default"; pass --account NAME');
  });
}

function destinationOf(flag: string | undefined, toHeader: string | undefined, domains: readonly string[], plan: NumberingPlan): string {
  const candidates = flag !== undefined ? [`${flag}@${domains[0] ?? 'localhost'}`] : (toHeader ?? '').match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? [];
  for (const address of candidates) {
    const r = checkRecipient(address, { domains, plan });
    if (r.ok) return r.number;
    if (flag !== undefined) throw usageError(`preview: --to "${flag}": ${r.reply.text}`);
  }
  throw usageError('preview: the mail\'s To header has no <number>@<gateway domain>; pass --to NUMBER');
}
