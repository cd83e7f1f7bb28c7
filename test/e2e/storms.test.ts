/*
 * Alert storms end to end (SPEC 7, issue #11 item 4): the built daemon, 50 identical alerts to
 * one number in 10 s over real SMTP (swaks), out through the real modem driver to the simulated
 * modem on a pty. With the account's coalesce window at 15 s (set by `mail2sms account set`
 * before start), the phone gets exactly two SMS: the first alert at once and `(x49) …` 15 s after
 * it; `queue list --json` accounts for all 50, /metrics counts them, and no error is logged.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, tempDir, writeConfig, type Proc } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { startSimPty, type SimProcess } from '../helpers/sim-pty.js';
import { WAIT_MS } from '../helpers/wait.js';

const run = promisify(execFile);
const PORT = await freePort();
const HTTP_PORT = await freePort();
const WINDOW_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function swaks(to: string, subject: string, body: string): Promise<string> {
  const { stdout } = await run('swaks', ['--server=127.0.0.1', `--port=${PORT}`, '--from=alerts@localhost', `--to=${to}`, `--header=Subject: ${subject}`, `--body=${body}`, '--suppress-data']);
  const m = /<[-~] +250 2\.0\.0 Ok: queued as ([0-9A-Z]+)/.exec(stdout);
  if (!m?.[1]) throw new Error(`no 250 queued reply in:\n${stdout}`);
  return m[1];
}

async function cliJson(args: readonly string[]): Promise<unknown> {
  const p = runCli(args);
  const { code } = await p.exited;
  if (code !== 0) throw new Error(`mail2sms ${args.join(' ')} exited ${code}: ${p.stderr.join('\n')}`);
  return JSON.parse(p.stdout.join(''));
}

describe('an alert storm end to end: 50 identical alerts to one number in 10 s', () => {
  let dir: string;
  let config: string;
  let sim: SimProcess;
  let gateway: Proc;
  const ids: string[] = [];

  beforeAll(async () => {
    dir = tempDir('mail2sms-storms-');
    sim = await startSimPty(join(dir, 'modem'));
    config = writeConfig(dir, `domain: sms.test
hostname: gw.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${PORT}", greeting_delay_ms: 0 }
http: { listen: "127.0.0.1:${HTTP_PORT}" }
routes:
  - { name: gsm1, transport: modem, path: ${sim.path}, baud: 115200 }
`);
    const set = runCli(['account', 'set', 'default', '--coalesce', '15s', '--config', config]);
    expect((await set.exited).code).toBe(0);
    gateway = runCli(['start', '--config', config]);
    await gateway.waitFor((l) => l.event === 'transport.ready', 15_000, 'modem ready');
    // 50 mails, one every 200 ms; each is accepted (250, committed) whatever the storm rules do later.
    const started = Date.now();
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 50; i += 1) {
      await sleep(Math.max(0, started + i * 200 - Date.now()));
      sends.push(swaks('447973100000@sms.test', 'db1 disk', 'CRITICAL /var is 97% full'));
    }
    ids.push(...(await Promise.all(sends)));
  }, 40_000);

  afterAll(async () => {
    await gateway?.stop();
    await sim?.stop();
  });

  it('gives the phone exactly two SMS: the first alert at once, then (x49) one coalesce window after it', async () => {
    await sim.waitForCount(2, WINDOW_MS + 10_000);
    // Nothing more can come once the queue holds nothing left to send: 2 sent, the rest coalesced.
    await vi.waitFor(async () => {
      const rows = (await cliJson(['queue', 'list', '--json', '--config', config])) as Array<{ state: string }>;
      expect(rows.filter((r) => r.state !== 'sent' && r.state !== 'coalesced')).toEqual([]);
    }, { timeout: WAIT_MS, interval: 250 });
    expect(sim.received).toHaveLength(2);
    const [first, second] = sim.received as [(typeof sim.received)[0], (typeof sim.received)[0]];
    expect(first).toMatchObject({ destination: '+447973100000', encoding: 'gsm7' });
    expect(first.text).toContain('CRITICAL /var is 97% full');
    expect(second.text).toBe(`(x49) ${first.text}`);
    // Not before the window ends (it opened when the first one started, just before the modem got
    // it); how much later depends on the machine's load, so there is no upper bound.
    const gap = Date.parse(second.at) - Date.parse(first.at);
    expect(gap).toBeGreaterThanOrEqual(WINDOW_MS - 1_000);
  });

  it('accounts for all 50 in queue list --json: 2 sent, 48 coalesced into the second', async () => {
    const rows = (await cliJson(['queue', 'list', '--json', '--config', config])) as Array<{ id: string; state: string }>;
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    const states: Record<string, number> = {};
    for (const r of rows) states[r.state] = (states[r.state] ?? 0) + 1;
    expect(states).toEqual({ sent: 2, coalesced: 48 });
    const coalesced = rows.find((r) => r.state === 'coalesced')!;
    const shown = (await cliJson(['queue', 'show', coalesced.id, '--json', '--config', config])) as { storm: { coalescedInto: string; coalesceReason: string } };
    expect(shown.storm.coalesceReason).toBe('identical');
    const carrier = (await cliJson(['queue', 'show', shown.storm.coalescedInto, '--json', '--config', config])) as { state: string; storm: { carried: number } };
    expect(carrier).toMatchObject({ state: 'sent', storm: { carried: 48 } });
    const text = runCli(['queue', 'show', shown.storm.coalescedInto, '--config', config]);
    await text.exited;
    expect(text.stdout.join('\n')).toContain('storm: carried 48 identical message(s): sent once as (x49)');
  });

  it('counts them in /metrics beside the dispatch.held and dispatch.coalesced lines', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${HTTP_PORT}/metrics`)).text();
    expect(metrics).toContain('mail2sms_messages_coalesced_total{reason="identical"} 48');
    expect(metrics).toContain('mail2sms_messages_held_total{reason="identical"} 49');
    expect(gateway.lines.filter((l) => l.event === 'dispatch.held')).toHaveLength(49);
    expect(gateway.lines.filter((l) => l.event === 'dispatch.coalesced')).toEqual([expect.objectContaining({ count: 49 })]);
  });

  it('logged no error', () => {
    expect(gateway.unexpectedErrors()).toEqual([]);
  });
});
