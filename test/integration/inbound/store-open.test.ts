/*
 * The inbound tables on the state file (issue 14): made on first open beside the queue and the
 * accounts, and refused, naming the versions, when a newer release wrote them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openInboundStore } from '../../../src/inbound/index.js';
import { openDatabase } from '../../../src/state/index.js';
import { tempDir } from '../../helpers/daemon.js';

describe('opening the inbound store', () => {
  it('creates its tables once; a second open finds them and what was kept', () => {
    const path = join(tempDir(), 'mail2sms.db');
    const first = openInboundStore({ path });
    const result = first.receive({ from: '+447700900001', fromKind: 'international', encoding: 'gsm7', text: 'ack', flash: false, raw: '00AA' }, 'gsm1', 1_000);
    expect(result.kind).toBe('complete');
    first.close();
    const again = openInboundStore({ path });
    expect(again.list({ limit: 5 }).map((r) => r.text)).toEqual(['ack']);
    expect(again.counts()).toEqual({ received: 1, mailed: 0, held: 0, failed: 0 });
    again.close();
  });

  it('refuses tables from a newer release, naming both versions', () => {
    const path = join(tempDir(), 'mail2sms.db');
    openInboundStore({ path }).close();
    const db = openDatabase(path, { busyTimeoutMs: 1000 });
    db.prepare("UPDATE schema_versions SET version = 9 WHERE component = 'inbound'").run();
    db.close();
    expect(() => openInboundStore({ path })).toThrow(expect.objectContaining({ code: 'M2S_INBOUND_UNAVAILABLE', message: expect.stringMatching(/schema version 9, newer than this release knows \(1\)/) }));
  });
});
