/*
 * SPEC 7 on an SMPP route: the built daemon is killed with SIGKILL while its window is full
 * (the test SMSC answers each submit_sm only after a delay, so ten are outstanding), and
 * restarted. No accepted mail may be lost, and only what was in flight at the kill may reach
 * the SMSC twice: at most one window, and only numbers the SMSC had already been given.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashMail, sendOne, type MailResult } from '../helpers/crash-load.js';
import { runCli, tempDir, writeConfig, type Proc } from '../helpers/daemon.js';
import { stablePort } from '../helpers/ports.js';
import { TestSmsc } from '../helpers/smsc.js';
import { until } from '../helpers/wait.js';

const PORT = await stablePort();
const WINDOW = 10;
const MAILS = 40;

/** The part number of a submit_sm: the concatenation UDH's last octet (00 03 ref total seq), 1 without one. */
function udhSeq(pdu: Record<string, unknown>): number {
  const udh = (pdu['short_message'] as { udh?: Buffer[] }).udh ?? [];
  const concat = udh.find((ie) => ie[0] === 0x00);
  return concat === undefined ? 1 : (concat[4] ?? 1);
}

describe('the gateway killed with SIGKILL while its SMPP window is full', () => {
  const dir = tempDir('mail2sms-smpp-crash-');
  let smsc: TestSmsc;
  let config: string;
  let results: MailResult[] = [];
  const lives: Proc[] = [];
  let atKill: { received: Set<string>; outstanding: number } = { received: new Set(), outstanding: 0 };

  const bound = (gw: Proc) => gw.waitFor((l) => l.event === 'smpp.bound', 20_000, 'smpp.bound');
  const destinations = (): string[] => smsc.received('submit_sm').map((p) => `+${String(p['destination_addr'])}`);
  /** Accepted mails of which the SMSC lacks a part (parts told apart by their concatenation sequence number). */
  const missingParts = (): string[] => {
    const got = destinations();
    return results.filter((r) => r.qids.length > 0).flatMap((r) => {
      const parts = new Set(smsc.received('submit_sm').filter((p) => `+${String(p['destination_addr'])}` === r.mail.destination).map((p) => Number(p['sar_segment_seqnum'] ?? udhSeq(p))));
      return parts.size >= r.mail.segments && got.includes(r.mail.destination) ? [] : [`${r.mail.label}: ${parts.size} of ${r.mail.segments} parts`];
    });
  };

  beforeAll(async () => {
    smsc = await TestSmsc.start();
    smsc.faults.delayMs = 400;
    writeFileSync(join(dir, 'smpp.pass'), 'secret\n');
    config = writeConfig(dir, `domain: sms.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${PORT}", greeting_delay_ms: 0 }
routes:
  - { name: up1, transport: smpp, host: 127.0.0.1, port: ${smsc.port}, system_id: gw1, password_file: ${join(dir, 'smpp.pass')}, window: ${WINDOW}, response_timeout: 5s }
`);
    const set = runCli(['account', 'set', 'default', '--tps', '1000', '--burst', '1000', '--config', config]);
    if ((await set.exited).code !== 0) throw new Error(`account set failed: ${set.stderr.join('\n')}`);
    let gw = runCli(['start', '--config', config]);
    lives.push(gw);
    await bound(gw);
    // Eight at a time: one client address gets 16 DATA phases at once (smtp.max_concurrent_data_per_client).
    for (let n = 0; n < MAILS; n += 8) results.push(...(await Promise.all(Array.from({ length: 8 }, (_, i) => sendOne(PORT, crashMail(n + i))))));
    // The window is full: ten submit_sm written, none answered yet.
    await until(() => smsc.binds.some((b) => !b.closed && b.outstanding === WINDOW), 'a full window');
    atKill = { received: new Set(destinations()), outstanding: WINDOW };
    gw.child.kill('SIGKILL');
    await gw.exited;
    smsc.faults.delayMs = 5;
    gw = runCli(['start', '--config', config]);
    lives.push(gw);
    await bound(gw);
    await until(() => missingParts().length === 0, 'every part of every accepted mail at the SMSC', 60_000);
  }, 120_000);

  afterAll(async () => {
    await lives.at(-1)?.stop();
    await smsc?.close();
  });

  it('accepted every mail before the kill', () => {
    expect(results.filter((r) => r.qids.length === 0)).toEqual([]);
  });

  it('lost no accepted mail: every part of every one reached the SMSC', () => {
    expect(missingParts()).toEqual([]);
  });

  it('sent again only what was in flight at the kill: at most one window, and only numbers the SMSC already had', () => {
    const counts = new Map<string, number>();
    for (const d of destinations()) counts.set(d, (counts.get(d) ?? 0) + 1);
    const repeats = results.flatMap((r) => {
      const extra = (counts.get(r.mail.destination) ?? 0) - r.mail.segments;
      return extra > 0 ? [{ destination: r.mail.destination, extra }] : [];
    });
    expect(repeats.every((r) => atKill.received.has(r.destination))).toBe(true);
    expect(repeats.reduce((n, r) => n + r.extra, 0)).toBeLessThanOrEqual(atKill.outstanding);
    expect(repeats.length).toBeGreaterThan(0);
  });

  it('told, at restart, how many were in flight and are sent again', () => {
    const recovered = lives[1]!.lines.find((l) => l.event === 'queue.recovered');
    expect(recovered).toMatchObject({ unknown: expect.any(Number), resent: expect.any(Number) });
    expect(Number(recovered!['unknown'])).toBeGreaterThan(0);
    expect(Number(recovered!['unknown'])).toBeLessThanOrEqual(WINDOW);
  });
});
