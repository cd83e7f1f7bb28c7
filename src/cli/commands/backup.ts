/*
 * backup.ts - `mail2sms backup FILE [--force]` and `mail2sms restore FILE` (issue 15): the
 * state of the config's state_dir copied out (safe while the gateway runs) and put back (only
 * while it does not). What is copied and how is src/state/backup.ts.
 */
import { resolve } from 'node:path';
import { configPath, loadConfig } from '../../config/index.js';
import { backupState, restoreState } from '../../state/index.js';
import { parseCommandArgs, usageError } from '../args.js';

export const BACKUP_USAGE = 'mail2sms backup FILE [--force] [--config FILE]';
export const RESTORE_USAGE = 'mail2sms restore FILE [--config FILE]';

export async function backupCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('backup', argv, { force: { type: 'boolean' } }, BACKUP_USAGE);
  if (values.help) return void out.write(`usage: ${BACKUP_USAGE}\n`), 0;
  const file = onlyFile('backup', positionals, BACKUP_USAGE);
  const config = loadConfig(configPath(values.config));
  const result = await backupState(config.state_dir, file, { force: values.force ?? false });
  out.write(`backed up ${config.state_dir} into ${result.file} (${result.bytes} bytes)\n`);
  return 0;
}

export async function restoreCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('restore', argv, {}, RESTORE_USAGE);
  if (values.help) return void out.write(`usage: ${RESTORE_USAGE}\n`), 0;
  const file = onlyFile('restore', positionals, RESTORE_USAGE);
  const config = loadConfig(configPath(values.config));
  const result = await restoreState(config.state_dir, file);
  out.write(`restored ${file} as ${result.database}${result.keptAs ? `; the previous state is kept as ${result.keptAs}` : ''}\n`);
  out.write('the next start upgrades its schema if the backup is from an older release\n');
  return 0;
}

function onlyFile(command: string, positionals: readonly string[], usage: string): string {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError(`${command}: give exactly one FILE\nusage: ${usage}`);
  return resolve(file);
}
