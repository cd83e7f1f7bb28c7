/*
 * What the SMSC sends a bound session (issue 13): enquire_link both ways, unbind, generic_nack,
 * a PDU that cannot be decoded or is unknown, a reset connection, deliver_sm (ack after commit);
 * and the link's one enquire_link on demand that `smpp probe` uses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PDU } from 'smpp';
import { createLogger } from '../../../src/log/logger.js';
import { Link } from '../../../src/transports/smpp/link.js';
import { TestSmsc } from '../../helpers/smsc.js';
import { until } from '../../helpers/wait.js';
import { closeRigs, rig, toNumber } from './rig.js';

afterEach(closeRigs);

const ESME_RINVCMDLEN = 0x02;
const ESME_RINVCMDID = 0x03;
const ESME_RTHROTTLED = 0x58;
const ESME_RX_T_APPN = 0x64;

/** A PDU header: command_length, command_id, command_status, sequence_number. */
function header(length: number, commandId: number, seq: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(seq, 12);
  return b;
}

describe('enquire_link', () => {
  it('sends enquire_link on an idle link and stays bound while the SMSC answers', async () => {
    const { smsc, session } = await rig({ enquireLinkMs: 30 });
    await session.start();
    await until(() => smsc.received('enquire_link').length >= 4, 'four enquire_link');
    expect(smsc.binds).toHaveLength(1);
    expect(session.health().state).toBe('bound');
  });

  it('three enquire_link unanswered close the link and bind again', async () => {
    const { smsc, session, events } = await rig({ enquireLinkMs: 30 });
    smsc.faults.answerEnquireLink = false;
    await session.start();
    await until(() => smsc.binds.length === 2 && session.health().state === 'bound', 'the second bind');
    expect(smsc.binds[0]?.pdus.filter((p) => p.dir === 'in' && p.pdu.command === 'enquire_link').length).toBe(3);
    expect(events('smpp.enquire_link.missed')[0]).toMatchObject({ missed: 3, route: 'smsc1' });
    expect(events('smpp.link.closed')[0]).toMatchObject({ reason: expect.stringContaining('3 enquire_link unanswered') });
  });

  it("answers the SMSC's enquire_link with enquire_link_resp", async () => {
    const { smsc, session } = await rig();
    await session.start();
    const resp = await smsc.enquireLink();
    expect(resp).toMatchObject({ command: 'enquire_link_resp', command_status: 0 });
  });
});

describe('what else the SMSC sends', () => {
  it('unbind from the SMSC: unbind_resp, then a new bind after the backoff', async () => {
    const { smsc, session, events } = await rig();
    await session.start();
    const resp = await smsc.unbind();
    expect(resp).toMatchObject({ command: 'unbind_resp', command_status: 0 });
    await until(() => smsc.binds.length === 2 && session.health().state === 'bound', 'the second bind');
    expect(events('smpp.unbind.received')).toHaveLength(1);
    expect(events('smpp.link.closed')[0]).toMatchObject({ reason: expect.stringContaining('unbind') });
  });

  it('generic_nack settles the submit with its sequence_number, as a resp with that status', async () => {
    const { smsc, session } = await rig();
    smsc.faults.nackSubmits = ESME_RINVCMDLEN;
    await session.start();
    await expect(session.submit(toNumber('447700900001'), { timeoutMs: 2_000 })).resolves.toEqual({ kind: 'resp', commandStatus: ESME_RINVCMDLEN, messageId: undefined });
    expect(session.health()).toMatchObject({ state: 'bound', windowInUse: 0 });
  });

  it('an unknown command_id gets generic_nack ESME_RINVCMDID and the bind stays up', async () => {
    const { smsc, session, events } = await rig();
    await session.start();
    smsc.sendRaw(header(16, 0x00000077, 42));
    await until(() => smsc.received('generic_nack').length === 1, 'the generic_nack');
    expect(smsc.received('generic_nack')[0]).toMatchObject({ command_status: ESME_RINVCMDID, sequence_number: 42 });
    expect(events('smpp.pdu.refused')[0]).toMatchObject({ command: 'unknown', commandId: '0x77' });
    await expect(session.submit(toNumber('447700900001'), { timeoutMs: 2_000 })).resolves.toMatchObject({ kind: 'resp', commandStatus: 0 });
  });

  it('a known request the gateway does not take (query_sm) gets query_sm_resp ESME_RINVCMDID', async () => {
    const { smsc, session } = await rig();
    await session.start();
    smsc.sendRaw(Buffer.concat([header(16 + 4, 0x00000003, 7), Buffer.from([0x00, 0x00, 0x00, 0x00])]));
    await until(() => smsc.received('query_sm_resp').length === 1, 'the query_sm_resp');
    expect(smsc.received('query_sm_resp')[0]).toMatchObject({ command_status: ESME_RINVCMDID, sequence_number: 7 });
  });

  it.each([
    ['a command_length past the largest PDU', header(0x7fffffff, 0x00000004, 9)],
    ['a command_length too short for the header', Buffer.from([0, 0, 0, 8, 0, 0, 0, 4])],
  ])('%s: generic_nack ESME_RINVCMDLEN, the link closes and binds again, nothing crashes', async (_name, bytes) => {
    const { smsc, session, events } = await rig({ window: 2 });
    smsc.faults.blackHole = true;
    await session.start();
    const inFlight = session.submit(toNumber('447700900001'), { timeoutMs: 5_000 });
    await until(() => smsc.received('submit_sm').length === 1, 'the submit at the SMSC');
    smsc.sendRaw(bytes);
    await expect(inFlight).resolves.toMatchObject({ kind: 'lost', reason: expect.stringContaining('malformed PDU') });
    expect(smsc.binds[0]?.pdus.some((p) => p.dir === 'in' && p.pdu.command === 'generic_nack' && p.pdu.command_status === ESME_RINVCMDLEN)).toBe(true);
    await until(() => smsc.binds.length === 2 && session.health().state === 'bound', 'the second bind');
    expect(events('smpp.pdu.malformed')).toHaveLength(1);
  });

  it('a connection reset (ECONNRESET) is a lost link, not a crash', async () => {
    const { smsc, session, events } = await rig({ window: 2 });
    smsc.faults.blackHole = true;
    await session.start();
    const inFlight = session.submit(toNumber('447700900001'), { timeoutMs: 5_000 });
    await until(() => smsc.received('submit_sm').length === 1, 'the submit at the SMSC');
    smsc.dropAll('reset');
    await expect(inFlight).resolves.toMatchObject({ kind: 'lost', reason: expect.stringContaining('ECONNRESET') });
    await until(() => smsc.binds.length === 2 && session.health().state === 'bound', 'the second bind');
    expect(events('smpp.link.closed')[0]).toMatchObject({ reason: expect.stringContaining('ECONNRESET') });
  });

  it('a throttling SMSC answers ESME_RTHROTTLED above its rate (the session passes the status on)', async () => {
    const { smsc, session } = await rig();
    smsc.faults.throttlePerSecond = 3;
    await session.start();
    const all = await Promise.all(Array.from({ length: 5 }, () => session.submit(toNumber('447700900001'), { timeoutMs: 2_000 })));
    expect(all.map((r) => (r.kind === 'resp' ? r.commandStatus : r.kind))).toEqual([0, 0, 0, ESME_RTHROTTLED, ESME_RTHROTTLED]);
  });
});

describe('deliver_sm', () => {
  it('deliver_sm_resp is sent only after the handler resolved', async () => {
    const { smsc, session } = await rig();
    let commit: () => void = () => undefined;
    const taken: PDU[] = [];
    session.onDeliver((pdu) => {
      taken.push(pdu);
      return new Promise<void>((resolve) => (commit = resolve));
    });
    await session.start();
    const resp = smsc.deliver({ source_addr: '447700900001', destination_addr: '12345', short_message: 'STOP' });
    await until(() => taken.length === 1, 'the handler called');
    expect(taken[0]).toMatchObject({ source_addr: '447700900001', short_message: { message: 'STOP' } });
    expect(smsc.received('deliver_sm_resp')).toHaveLength(0);
    commit();
    await expect(resp).resolves.toMatchObject({ command: 'deliver_sm_resp', command_status: 0 });
  });

  it('a handler that throws gets ESME_RX_T_APPN, so the SMSC delivers again', async () => {
    const { smsc, session, events } = await rig();
    session.onDeliver(() => Promise.reject(new Error('queue unavailable')));
    await session.start();
    await expect(smsc.deliver({ source_addr: '447700900001', short_message: 'hi' })).resolves.toMatchObject({ command_status: ESME_RX_T_APPN });
    expect(events('smpp.deliver.failed')[0]).toMatchObject({ reason: 'queue unavailable' });
  });

  it('with no handler registered deliver_sm is refused ESME_RX_T_APPN, never dropped', async () => {
    const { smsc, session } = await rig();
    await session.start();
    await expect(smsc.deliver({ source_addr: '447700900001', short_message: 'hi' })).resolves.toMatchObject({ command_status: ESME_RX_T_APPN });
  });
});

describe('one enquire_link on demand (smpp probe)', () => {
  it('resolves resp when enquire_link_resp comes, timeout when it does not, and the link stays up', async () => {
    const smsc = await TestSmsc.start();
    const closed: string[] = [];
    const link = new Link({
      host: smsc.host, port: smsc.port, mode: 'transceiver', systemId: 'gw1', password: '', systemType: '',
      connectTimeoutMs: 3_000, enquireLinkMs: 60_000, maxMissedEnquireLinks: 3,
      log: createLogger({ level: 'silent' }), onDeliver: () => Promise.resolve(), onClose: (reason) => closed.push(reason),
    });
    try {
      await expect(link.open()).resolves.toEqual({ kind: 'bound', systemId: 'test-smsc' });
      await expect(link.enquireLink(2_000)).resolves.toEqual({ kind: 'resp', commandStatus: 0, messageId: undefined });
      smsc.faults.answerEnquireLink = false;
      await expect(link.enquireLink(100)).resolves.toEqual({ kind: 'timeout' });
      expect(smsc.received('enquire_link')).toHaveLength(2);
      expect(link.isOpen).toBe(true);
      expect(closed).toEqual([]);
    } finally {
      link.destroy('test over');
      await smsc.close();
    }
  });
});
