// Queue actions through the real dispatcher and the real modem driver on the simulated modem
// (issue 15): `queue cancel` while part 1 of 3 is on the wire lets it finish and sends neither
// part 2 nor 3; `queue retry` of a failed message sends it again at once (the control operation
// wakes the dispatcher, which otherwise sleeps: nothing else is scheduled and its recheck is 10 min).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAccountStore, type AccountStore } from '../../../src/accounts/index.js';
import { runOperation, type ControlContext } from '../../../src/control/index.js';
import { createDispatcher, type Dispatcher } from '../../../src/dispatch/index.js';
import { decodeSubmitTpdu } from '../../../src/encode/index.js';
import { createLogger } from '../../../src/log/index.js';
import { NO_COUNTERS } from '../../../src/metrics/index.js';
import { openQueue, type Queue } from '../../../src/queue/index.js';
import { createModemTransport, type ModemTransport } from '../../../src/transports/modem/index.js';
import { createSimBinding, SimDevice } from '../../../src/transports/sim/index.js';
import { until } from '../../helpers/wait.js';
import { message } from './queue-fixtures.js';

let dir = '';
let queue: Queue;
let accounts: AccountStore;
let modem: ModemTransport;
let dispatcher: Dispatcher;
let device: SimDevice;
let ctx: ControlContext;
const received: string[] = [];
const lines: Record<string, unknown>[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mail2sms-actions-'));
  queue = openQueue({ path: join(dir, 'mail2sms.db'), logger: createLogger({ level: 'silent' }) });
  accounts = openAccountStore({ path: join(dir, 'mail2sms.db') });
  device = new SimDevice({ now: Date.now });
  device.onSubmit((s) => {
    const d = decodeSubmitTpdu(s.tpduHex);
    received.push(`${d.destination}#${d.udh?.concat?.seq ?? 1}`);
  });
  modem = createModemTransport({ name: 'gsm1', path: 'sim://gsm1', baudRate: 115200, binding: createSimBinding(device), logger: createLogger({ level: 'silent' }), kind: 'sim' });
  await modem.start();
  dispatcher = createDispatcher({ queue, transports: [modem], logger: createLogger({ level: 'silent' }), recheckMs: 600_000 });
  dispatcher.start();
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  ctx = { queue, accounts, logger, counters: NO_COUNTERS, now: Date.now, notices: false, daemon: { wake: () => dispatcher.wake(), health: () => { throw new Error('not used'); }, send: () => Promise.reject(new Error('not used')) } };
});

afterEach(async () => {
  await dispatcher.stop({ drain: false });
  await modem.stop({ drain: false });
  await queue.close();
  accounts.close();
  rmSync(dir, { recursive: true, force: true });
  received.length = 0;
  lines.length = 0;
});

describe('queue actions and the dispatcher, on the simulated modem', () => {
  it('cancel while part 1 of 3 is being sent: part 1 is sent and recorded, parts 2 and 3 never reach the modem', async () => {
    const [qid] = await queue.enqueue([message({ texts: ['part one ', 'part two ', 'part three'], validUntil: Date.now() + 3_600_000 })]);
    let cancelled: unknown;
    // The modem has part 1's PDU: the operator cancels now, while its +CMGS answer is on its way.
    const off = device.onSubmit(() => {
      off();
      void runOperation(ctx, 'queue.cancel', { id: qid }).then((r) => (cancelled = r));
    });
    dispatcher.wake();
    await until(() => queue.show(qid as string).parts[0]?.state === 'sent', 'part 1 sent');
    expect(cancelled).toMatchObject({ id: qid, previous: 'sending', state: 'cancelled', parts: 2, inFlight: 1 });
    // A later message to the same number goes out: the dispatcher ran again and took nothing of the cancelled one.
    const [next] = await queue.enqueue([message({ texts: ['after'], validUntil: Date.now() + 3_600_000 })]);
    dispatcher.wake();
    await until(() => queue.show(next as string).state === 'sent', 'the next message sent');
    expect(received).toEqual(['+819012345678#1', '+819012345678#1']);
    expect(queue.show(qid as string)).toMatchObject({ state: 'cancelled', parts: [{ state: 'sent' }, { state: 'cancelled' }, { state: 'cancelled' }] });
    expect(dispatcher.inFlight()).toBe(0);
    expect(lines).toEqual([expect.objectContaining({ event: 'queue.cancelled', qid, parts: 2, inFlight: 1 })]);
  });

  it('retry of a failed message sends it again at once', async () => {
    device.setFault('cms-error:330');
    const [qid] = await queue.enqueue([message({ texts: ['pump P3 down'], validUntil: Date.now() + 3_600_000 })]);
    dispatcher.wake();
    await until(() => queue.show(qid as string).state === 'failed', 'the message failed for good');
    device.clearFault();
    expect(received).toEqual([]);
    expect(await runOperation(ctx, 'queue.retry', { id: qid })).toMatchObject({ previous: 'failed', state: 'queued', parts: 1 });
    await until(() => queue.show(qid as string).state === 'sent', 'the retried message sent');
    expect(received).toEqual(['+819012345678#1']);
    expect(queue.show(qid as string).parts[0]).toMatchObject({ state: 'sent', attempts: 1 });
    expect(lines).toEqual([expect.objectContaining({ event: 'queue.retried', qid, previous: 'failed', parts: 1 })]);
  });
});
