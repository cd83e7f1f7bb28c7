/*
 * send.ts - `mail2sms send --to NUMBER [--from EMAIL] TEXT`: queue one SMS through the running
 * gateway. It submits a mail to the gateway's own SMTP listener, so the text takes the same path
 * as any mail (checks, composition, queue) and the answer is the gateway's own reply.
 */
import { loadConfig, configPath } from '../../config/index.js';
import { DEFAULT_USER } from '../../accounts/index.js';
import { localSmtpTarget } from '../../control/index.js';
import { submitMail } from '../../dsn/index.js';
import { parseCommandArgs, usageError } from '../args.js';

export const USAGE = 'mail2sms send --to NUMBER [--from EMAIL] [--subject TEXT] [--config FILE] TEXT';

export async function sendCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('send', argv, {
    to: { type: 'string', short: 't' },
    from: { type: 'string', short: 'f' },
    subject: { type: 'string', short: 's' },
  }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  if (!values.to) throw usageError(`send: --to NUMBER is required\nusage: ${USAGE}`);
  const text = positionals.join(' ');
  if (!text && !values.subject) throw usageError(`send: give the TEXT to send\nusage: ${USAGE}`);
  const config = loadConfig(configPath(values.config));
  const listen = config.smtp.listen[0];
  const domain = config.domain[0];
  if (!listen || !domain) throw usageError('send: the config has no smtp.listen or domain');
  const result = await submitMail(
    localSmtpTarget(listen),
    { from: values.from ?? DEFAULT_USER.email, to: [`${values.to}@${domain}`], subject: values.subject ?? '', text },
  );
  out.write(`${result.response}\n`);
  return 0;
}
