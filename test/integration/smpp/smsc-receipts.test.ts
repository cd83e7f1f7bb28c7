/*
 * The test SMSC's receipts and per-destination faults, as the session receives them (issue 13):
 * text only or with TLVs, hex or decimal ids, on the same bind or another bind of the system_id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PDU } from 'smpp';
import { createLogger } from '../../../src/log/logger.js';
import { until } from '../../helpers/wait.js';
import { closeRigs, newSession, rig, toNumber } from './rig.js';

afterEach(closeRigs);

const ESME_RINVDSTADR = 0x0b;

describe('receipts from the test SMSC', () => {
  it('text only on the same bind: id in the text matches the submit_sm_resp message_id', async () => {
    const { smsc, session } = await rig();
    smsc.faults.receipts = { format: 'text', id: 'hex', where: 'same' };
    const got: PDU[] = [];
    session.onDeliver(async (pdu) => void got.push(pdu));
    await session.start();
    const resp = await session.submit(toNumber('447700900001', { source_addr: 'Alerts', registered_delivery: 1 }), { timeoutMs: 2_000 });
    await until(() => got.length === 1, 'the receipt');
    expect(resp.kind === 'resp' && resp.messageId).toBeTruthy();
    const messageId = resp.kind === 'resp' ? resp.messageId : '';
    expect(got[0]).toMatchObject({ esm_class: 0x04, source_addr: '447700900001', destination_addr: 'Alerts' });
    expect(String((got[0]?.['short_message'] as { message: string }).message)).toMatch(new RegExp(`^id:${messageId} .*stat:DELIVRD`));
    expect(got[0]?.['receipted_message_id']).toBeUndefined();
  });

  it('with TLVs, a decimal id, on another bind of the same system_id', async () => {
    const { smsc, session, lines } = await rig({ mode: 'transmitter' });
    smsc.faults.receipts = { format: 'tlv', id: 'dec', where: 'other', stat: 'UNDELIV' };
    const receiver = newSession(smsc, { logger: createLogger({ level: 'silent' }) });
    const got: PDU[] = [];
    receiver.onDeliver(async (pdu) => void got.push(pdu));
    await Promise.all([session.start(), receiver.start()]);
    const resp = await session.submit(toNumber('447700900001', { registered_delivery: 1 }), { timeoutMs: 2_000 });
    await until(() => got.length === 1, 'the receipt on the other bind');
    const hex = resp.kind === 'resp' ? resp.messageId ?? '' : '';
    expect(got[0]).toMatchObject({ esm_class: 0x04, receipted_message_id: String(parseInt(hex, 16)), message_state: 5 });
    expect(lines.some((l) => l['event'] === 'smpp.deliver.failed')).toBe(false);
  });

  it('a command_status per destination', async () => {
    const { smsc, session } = await rig();
    smsc.faults.statusByDestination = { '447700900666': ESME_RINVDSTADR };
    await session.start();
    await expect(session.submit(toNumber('447700900666'), { timeoutMs: 2_000 })).resolves.toEqual({ kind: 'resp', commandStatus: ESME_RINVDSTADR, messageId: undefined });
    await expect(session.submit(toNumber('447700900001'), { timeoutMs: 2_000 })).resolves.toMatchObject({ kind: 'resp', commandStatus: 0 });
  });
});
