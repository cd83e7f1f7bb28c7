/*
 * The SMPP route's `long: payload` at the transport (issue 13, SPEC 9): sendMessage() puts all
 * parts of a message in ONE submit_sm with message_payload; send() of a part alone carries the
 * concatenation UDH. Read from the PDUs the test SMSC decoded, over real TCP.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createSmppTransport } from '../../../src/transports/smpp/transport.js';
import type { OutboundSegment, Transport } from '../../../src/transports/transport.js';
import { tempDir } from '../../helpers/daemon.js';
import { TestSmsc } from '../../helpers/smsc.js';
import { WAIT_MS } from '../../helpers/wait.js';

const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((close) => close()));
});

async function route(long: 'udh' | 'sar' | 'payload'): Promise<{ smsc: TestSmsc; transport: Transport }> {
  const smsc = await TestSmsc.start();
  const passwordFile = join(tempDir(), 'smpp.pass');
  writeFileSync(passwordFile, 'secret\n');
  const transport = createSmppTransport({
    name: 'up1', host: smsc.host, port: smsc.port, mode: 'transceiver', systemId: 'gw1', passwordFile,
    window: 10, enquireLinkMs: 60_000, responseTimeoutMs: 2_000, long, receiptId: 'auto',
    logger: createLogger({ level: 'silent' }), backoffBaseMs: 20, backoffCapMs: 160,
  });
  opened.push(async () => {
    await transport.stop({ drain: false });
    await smsc.close();
  });
  await transport.start();
  await expect.poll(() => transport.health().ready, { timeout: WAIT_MS }).toBe(true);
  return { smsc, transport };
}

/** A GSM text cut as the gateway cuts it: 153 septets per part behind an 8-bit concatenation UDH. */
function partsOf(text: string, destination: string, size = 153, encoding: 'gsm7' | 'ucs2' = 'gsm7'): OutboundSegment[] {
  const chunks = text.match(new RegExp(`[^]{1,${size}}`, 'gu')) ?? [];
  return chunks.map((chunk, i) => ({
    qid: 'Q1', seq: i + 1, total: chunks.length, destination, encoding, text: chunk, statusReport: false, failureReport: true,
    senderId: 'ACME', validUntil: Date.now() + 3600_000, concat: { ref: 42, total: chunks.length, seq: i + 1 },
  }));
}

const payloadText = (pdu: Record<string, unknown>): string => {
  const payload = pdu['message_payload'] as { message: string | Buffer } | string | Buffer;
  return typeof payload === 'object' && !Buffer.isBuffer(payload) ? String(payload.message) : String(payload);
};

describe('an SMPP route with long: payload', () => {
  const text = `Backup report: ${'all volumes verified, '.repeat(20)}end.`;

  it('sends all parts of a GSM message as one submit_sm: message_payload holds the whole text, short_message empty, no UDH', async () => {
    const { smsc, transport } = await route('payload');
    const parts = partsOf(text, '+447973200000');
    expect(parts).toHaveLength(3);
    const outcome = await transport.sendMessage!(parts, new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'sent', messageRef: expect.any(String), reportAsked: true });
    const submits = smsc.received('submit_sm');
    expect(submits).toHaveLength(1);
    const pdu = submits[0] as unknown as Record<string, unknown>;
    expect(pdu).toMatchObject({ destination_addr: '447973200000', data_coding: 0, esm_class: 0, source_addr: 'ACME', source_addr_ton: 5, registered_delivery: 1 });
    expect(payloadText(pdu)).toBe(text);
    const sm = pdu['short_message'] as { message: string | Buffer; udh?: unknown };
    expect(sm.message.length).toBe(0);
    expect(sm.udh).toBeUndefined();
  });

  it('sends a part alone with the concatenation UDH, esm_class 0x40', async () => {
    const { smsc, transport } = await route('payload');
    const parts = partsOf(text, '+447973200001');
    expect(await transport.send(parts[1]!, new AbortController().signal)).toMatchObject({ kind: 'sent' });
    const [pdu] = smsc.received('submit_sm') as unknown as Record<string, unknown>[];
    expect(pdu!['esm_class']).toBe(0x40);
    expect(pdu!['message_payload']).toBeUndefined();
    const sm = pdu!['short_message'] as { message: string; udh?: Buffer[] };
    expect(Buffer.concat(sm.udh ?? [])).toEqual(Buffer.from([0x00, 0x03, 42, 3, 2]));
    expect(sm.message).toBe(parts[1]!.text);
  });

  it('answers the SMSC refusing the message once, for all parts: a destination fault fails it permanently', async () => {
    const { smsc, transport } = await route('payload');
    smsc.faults.statusByDestination = { '447973200002': 0x0b }; // ESME_RINVDSTADR
    const outcome = await transport.sendMessage!(partsOf(text, '+447973200002'), new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'failed', temporary: false, status: '5.1.1', diagnostic: expect.stringContaining('ESME_RINVDSTADR') });
    expect(smsc.received('submit_sm')).toHaveLength(1);
  });

  it('is offered only by long: payload', async () => {
    const { transport } = await route('udh');
    expect(transport.sendMessage).toBeUndefined();
  });
});
