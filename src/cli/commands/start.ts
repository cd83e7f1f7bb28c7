/*
 * start.ts - `mail2sms start [--config FILE]`: run the gateway until SIGTERM/SIGINT, then stop
 * cleanly (listeners closed first, sends under way finished, queue closed).
 */
import { configPath, loadConfig } from '../../config/index.js';
import { createLogger } from '../../log/index.js';
import { startGateway } from '../../main.js';
import { parseCommandArgs } from '../args.js';

export const USAGE = 'mail2sms start [--config FILE]';

export async function startCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs('start', argv, {}, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const config = loadConfig(configPath(values.config));
  const logger = createLogger({ level: config.log_level });
  // After start-up nothing may take the daemon down silently: log, and let systemd restart us
  // for an exception (the queue is durable, nothing accepted is lost).
  process.on('unhandledRejection', (err) => logger.error({ event: 'bug.unhandled-rejection', err }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ event: 'bug.uncaught-exception', err }, 'uncaught exception; exiting for a restart');
    process.exit(1);
  });
  const gateway = await startGateway({ config, logger });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ event: 'gateway.signal', signal }, `${signal} received`);
  await gateway.stop();
  return 0;
}
