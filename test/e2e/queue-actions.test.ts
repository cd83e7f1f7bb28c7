// `mail2sms queue cancel|retry|purge|stats` against the built daemon, over its control socket
// (issue 15 items 2 and 3). The one route is a modem whose path does not exist, so a mail stays
// queued until the test acts on it.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { runCli, tempDir, writeConfig, type Proc } from '../helpers/daemon.js';

const procs: Proc[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
});

async function cli(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = runCli(args);
  const { code } = await p.exited;
  return { code, out: p.stdout.join('\n'), err: p.stderr.join('\n') };
}

function configFor(dir: string, port: number): string {
  return writeConfig(dir, `domain: sms.test
hostname: gw.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${port}", greeting_delay_ms: 0 }
routes:
  - { name: gsm1, transport: modem, path: ${join(dir, 'no-such-modem')}, baud: 115200 }
`);
}

describe('queue actions through the running gateway', () => {
  it('cancels a waiting message and queues it again over control.sock; each is logged by the daemon', async () => {
    const dir = tempDir();
    const config = configFor(dir, await freePort());
    const gw = runCli(['start', '--config', config]);
    procs.push(gw);
    await gw.waitFor((l) => l.event === 'gateway.started');
    const socket = join(dir, 'state', 'control.sock');
    expect(statSync(socket).mode & 0o777).toBe(0o600);

    const sent = await cli(['send', '--to', '+447973100000', '--config', config, 'pump', 'P3', 'down']);
    expect(sent.code).toBe(0);
    const qid = /queued as (\S+)/.exec(sent.out)?.[1] as string;
    expect(qid).toBeTruthy();

    const cancelled = await cli(['queue', 'cancel', qid, '--config', config]);
    expect(cancelled).toMatchObject({ code: 0, out: `message ${qid} cancelled: 1 part(s) will not be sent` });
    await gw.waitFor((l) => l.event === 'queue.cancelled' && l['qid'] === qid);
    expect(JSON.parse((await cli(['queue', 'show', qid, '--json', '--config', config])).out)).toMatchObject({ state: 'cancelled' });

    const again = await cli(['queue', 'cancel', qid, '--config', config]);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`mail2sms queue: message ${qid} is cancelled: it has ended; only a message still waiting or being sent can be cancelled`);

    const retried = await cli(['queue', 'retry', qid, '--json', '--config', config]);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.out)).toMatchObject({ id: qid, previous: 'cancelled', state: 'queued', parts: 1 });
    await gw.waitFor((l) => l.event === 'queue.retried' && l['qid'] === qid);

    const unknown = await cli(['queue', 'retry', 'NOSUCHID', '--config', config]);
    expect(unknown).toMatchObject({ code: 1, err: 'mail2sms queue: no message with queue id NOSUCHID' });

    const stats = JSON.parse((await cli(['queue', 'stats', '--json', '--config', config])).out);
    expect(stats).toMatchObject({ open: 1, messages: { queued: 1 } });

    await gw.stop();
    expect(existsSync(socket)).toBe(false);
    expect(gw.unexpectedErrors((l) => l.event === 'transport.start.failed')).toEqual([]);
  });

  it('says no gateway runs for retry and cancel (exit 1), and purges the file itself when none runs', async () => {
    const dir = tempDir();
    const config = configFor(dir, await freePort());
    for (const sub of ['retry', 'cancel']) {
      const r = await cli(['queue', sub, 'SOMEID', '--config', config]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`mail2sms queue: no mail2sms is running on state dir ${join(dir, 'state')} (no control socket); start it (mail2sms start, or systemctl start mail2sms) and run mail2sms queue ${sub} SOMEID again`);
    }
    // A gateway that ran once made the file; stopped, a purge works on it directly.
    const gw = runCli(['start', '--config', config]);
    await gw.waitFor((l) => l.event === 'gateway.started');
    await gw.stop();
    const purged = await cli(['queue', 'purge', '--older-than', '1d', '--json', '--config', config]);
    expect(purged.code).toBe(0);
    expect(JSON.parse(purged.out)).toMatchObject({ messages: 0, kept: 0 });
    const both = await cli(['queue', 'purge', '--before', '2025-01-01', '--older-than', '1d', '--config', config]);
    expect(both.code).toBe(2);
    expect(both.err).toContain('exactly one of --before DATE and --older-than DURATION');
    const bad = await cli(['queue', 'purge', '--before', 'yesterday', '--config', config]);
    expect(bad).toMatchObject({ code: 2, err: 'mail2sms queue: "before" must be a date like 2025-01-31 or 2025-01-31T12:00:00Z, not "yesterday"' });
  });
});
