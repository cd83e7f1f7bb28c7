import { describe, expect, it } from 'vitest';
import { decodeSubmitTpdu } from '../../../src/encode/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createSimTransport, SimDevice } from '../../../src/transports/sim/index.js';
import type { OutboundSegment } from '../../../src/transports/transport.js';

const segment = (over: Partial<OutboundSegment> = {}): OutboundSegment => ({
  qid: 'Q1', seq: 1, total: 1, destination: '+447700900123', encoding: 'gsm7', text: 'Pump 3 failed €5', statusReport: false, ...over,
});

describe('sim transport: the real modem transport over the simulated modem', () => {
  it('starts, sends a segment built by the encode stage and reports the message reference', async () => {
    const t = createSimTransport({ name: 'sim', logger: silentLogger() });
    expect([t.kind, t.concurrency, t.health().ready]).toEqual(['sim', 1, false]);
    await t.start();
    expect(t.health()).toEqual({ ready: true, state: 'ready' });
    await expect(t.send(segment(), new AbortController().signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    const got = t.device.received()[0]!;
    expect(decodeSubmitTpdu(got.tpduHex)).toMatchObject({ destination: '+447700900123', encoding: 'gsm7', text: 'Pump 3 failed €5' });
    await t.stop({ drain: true });
    expect(t.health().state).toBe('stopped');
  });

  it('sends both parts of a concatenated message and hands a +CMS ERROR back as a failed outcome', async () => {
    const device = new SimDevice({ now: Date.now });
    const t = createSimTransport({ name: 'sim2', logger: silentLogger(), device });
    await t.start();
    const signal = new AbortController().signal;
    const parts = [1, 2].map((seq) => segment({ seq, total: 2, text: `part ${seq}`, concat: { ref: 7, total: 2, seq } }));
    await expect(t.send(parts[0]!, signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    await expect(t.send(parts[1]!, signal)).resolves.toEqual({ kind: 'sent', messageRef: '1' });
    expect(device.received().map((r) => decodeSubmitTpdu(r.tpduHex).udh?.concat)).toEqual([
      { ref: 7, total: 2, seq: 1 }, { ref: 7, total: 2, seq: 2 },
    ]);
    device.setFault('cms-error:330');
    await expect(t.send(segment(), signal)).resolves.toEqual({
      kind: 'failed', temporary: false, status: '5.3.5', diagnostic: '+CMS ERROR: 330 (smsc address unknown)',
    });
    await t.stop({ drain: false });
  });

  it('refuses to start with M2S_AT_PIN when the SIM is locked and no PIN is configured', async () => {
    const t = createSimTransport({ name: 'sim3', logger: silentLogger(), device: new SimDevice({ pin: '1234' }) });
    await expect(t.start()).rejects.toMatchObject({ code: 'M2S_AT_PIN' });
    expect(t.health().state).toBe('pin-required');
  });

  it('starts with the configured PIN', async () => {
    const t = createSimTransport({ name: 'sim4', logger: silentLogger(), pin: '1234' });
    await t.start();
    expect(t.health().ready).toBe(true);
    await t.stop({ drain: true });
  });
});
