/*
 * provision.ts - `mail2sms export` and `mail2sms import FILE.yaml` (SPEC 2, 12): provision many
 * boxes alike (docs/provisioning.md).
 *
 * export prints every account with its users as YAML on stdout, password hashes included (so a
 * box flashed from it accepts the same SMTP AUTH logins; keep the file private).
 * import validates the whole file first: any unknown key or bad value is reported as
 * `file:line: path: message` and nothing is imported (exit 2). Then it adds or updates every
 * account and user of the file in one transaction and leaves the others alone; importing the same
 * file twice says `0 added, 0 updated, N unchanged`.
 */
import { formatProvisionYaml, parseProvisionFile } from '../../config/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import { withAccountStore } from './account.js';

export const EXPORT_USAGE = 'mail2sms export [--config FILE]   (YAML on stdout)';
export const IMPORT_USAGE = 'mail2sms import FILE.yaml [--config FILE]';

export async function exportCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('export', argv, {}, EXPORT_USAGE);
  if (values.help) return void out.write(`usage: ${EXPORT_USAGE}\n`), 0;
  if (positionals.length > 0) throw usageError(`export takes no argument ("${positionals[0]}"); it writes to stdout\nusage: ${EXPORT_USAGE}`);
  const yaml = await withAccountStore(values.config, 'read', (store) => formatProvisionYaml(store.exportAll()));
  out.write(yaml);
  return 0;
}

export async function importCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', argv, {}, IMPORT_USAGE);
  if (values.help) return void out.write(`usage: ${IMPORT_USAGE}\n`), 0;
  const [file, extra] = positionals;
  if (file === undefined || extra !== undefined) throw usageError(`import takes one FILE.yaml\nusage: ${IMPORT_USAGE}`);
  const doc = parseProvisionFile(file);
  const result = await withAccountStore(values.config, 'write', (store) => store.importAll(doc));
  out.write(`${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged (accounts and users; others left alone)\n`);
  return 0;
}
