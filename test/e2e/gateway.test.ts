/*
 * The built daemon end to end: mail in with swaks (a real SMTP client) over TCP, out through
 * the real modem driver and serialport's real binding to the simulated modem on a pty, which
 * runs as its own `mail2sms sim --pty` process and reports every PDU it decoded.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSubmitTpdu } from '../../src/encode/index.js';
import { runCli, tempDir, writeConfig, writeModemConfig, type Proc } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { startSimPty, type SimProcess } from '../helpers/sim-pty.js';

const run = promisify(execFile);
const PORT = await freePort();

async function swaks(to: string, subject: string, body: string): Promise<string> {
  return swaksRaw(PORT, to, [`--header=Subject: ${subject}`, '--header=Content-Type: text/plain; charset=UTF-8', `--body=${body}`]);
}

/** swaks takes a leading "+" as an option prefix, so recipients here go without it (the e164 plan accepts both). */
async function swaksRaw(port: number, to: string, extra: readonly string[]): Promise<string> {
  const { stdout } = await run('swaks', ['--server=127.0.0.1', `--port=${port}`, '--from=alerts@localhost', `--to=${to}`, ...extra, '--suppress-data']);
  return stdout;
}

function queuedIds(swaksOut: string): string[] {
  const m = /<[-~] +250 2\.0\.0 Ok: queued as ([0-9A-Z ]+)/.exec(swaksOut);
  if (!m?.[1]) throw new Error(`no 250 queued reply in:\n${swaksOut}`);
  return m[1].trim().split(' ');
}

describe('gateway end to end through the simulated modem on a pty', () => {
  let dir: string;
  let sim: SimProcess;
  let gateway: Proc;

  beforeAll(async () => {
    dir = tempDir();
    sim = await startSimPty(join(dir, 'modem'));
    const config = writeModemConfig(dir, PORT, sim.path);
    gateway = runCli(['start', '--config', config]);
    await gateway.waitFor((l) => l.event === 'transport.ready', 15_000, 'modem ready');
  });

  afterAll(async () => {
    await gateway?.stop();
    await sim?.stop();
  });

  it('sends a short GSM text as one 7-bit SMS to the recipient number', async () => {
    const ids = queuedIds(await swaks('447973100000@sms.test', 'Disk', 'Server db1 disk 91% full'));
    await sim.waitForCount(1);
    const sms = sim.received.at(-1)!;
    expect(ids).toHaveLength(1);
    expect(sms).toMatchObject({ destination: '+447973100000', encoding: 'gsm7', text: '(Disk) Server db1 disk 91% full', concat: null });
    expect(sms.length).toBe(sms.tpdu.length / 2);
  });

  it('sends a text with € past 160 septets as two concatenated 7-bit parts that rejoin', async () => {
    const body = `Price alert ${'€'.repeat(10)} ${'x'.repeat(150)}`;
    const before = sim.received.length;
    queuedIds(await swaks('447973100001@sms.test', '', body));
    await sim.waitForCount(before + 2);
    const parts = sim.received.slice(before);
    expect(parts.map((p) => p.encoding)).toEqual(['gsm7', 'gsm7']);
    expect(parts.map((p) => p.concat?.seq)).toEqual([1, 2]);
    expect(parts[0]!.concat?.ref).toBe(parts[1]!.concat?.ref);
    expect(parts.map((p) => p.text).join('')).toBe(body);
  });

  it('sends Japanese text as UCS-2', async () => {
    const before = sim.received.length;
    queuedIds(await swaks('818012345678@sms.test', '', 'サーバーが停止しました'));
    await sim.waitForCount(before + 1);
    expect(sim.received.at(-1)).toMatchObject({ destination: '+818012345678', encoding: 'ucs2', text: 'サーバーが停止しました' });
  });

  it('moves an emoji at a part boundary whole into the next part', async () => {
    const body = `${'あ'.repeat(66)}🚨 alarm`;
    const before = sim.received.length;
    queuedIds(await swaks('447973100002@sms.test', '', body));
    await sim.waitForCount(before + 2);
    const parts = sim.received.slice(before);
    expect(parts[0]!.text).toBe('あ'.repeat(66));
    expect(parts[1]!.text).toBe('🚨 alarm');
    // the PDUs themselves carry whole surrogate pairs: decode them independently of the sim
    expect(decodeSubmitTpdu(parts[1]!.tpdu).text.codePointAt(0)).toBe(0x1f6a8);
  });

  it('one mail to three numbers makes three queued messages, each sent', async () => {
    const before = sim.received.length;
    const stdout = await swaksRaw(PORT, '447973100003@sms.test,447973100004@sms.test,447973100005@sms.test', ['--header=Subject: fanout', '--body=three phones']);
    expect(queuedIds(stdout)).toHaveLength(3);
    await sim.waitForCount(before + 3);
    expect(sim.received.slice(before).map((s) => s.destination).sort()).toEqual(['+447973100003', '+447973100004', '+447973100005']);
  });

  it('shows the sent messages in queue list --json with the SPEC 12 fields', async () => {
    const list = runCli(['queue', 'list', '--json', '--config', join(dir, 'config.yaml')]);
    await list.exited;
    const rows = JSON.parse(list.stdout.join('')) as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['created', 'from', 'id', 'segments', 'state', 'to']);
    expect(rows.every((r) => r['state'] === 'sent')).toBe(true);
  });

  it('logged no error', () => {
    expect(gateway.unexpectedErrors()).toEqual([]);
  });
});

describe('a modem path that does not exist', () => {
  it('is named in an error log line while mail is still accepted and kept', async () => {
    const dir = tempDir();
    const port = await freePort();
    const config = writeConfig(dir, `domain: sms.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${port}", greeting_delay_ms: 0 }
routes: [ { name: gsm9, transport: modem, path: /dev/serial/by-id/usb-missing-modem } ]
`);
    const gw = runCli(['start', '--config', config]);
    try {
      const line = await gw.waitFor((l) => l.event === 'transport.start.failed', 15_000, 'start failure');
      expect(line.route).toBe('gsm9');
      expect(String(line.msg)).toContain('/dev/serial/by-id/usb-missing-modem');
      // the same check the happy path relies on does see this error (it can fail)
      expect(gw.unexpectedErrors().map((l) => l.event)).toContain('transport.start.failed');
      await gw.waitFor((l) => l.event === 'gateway.started');
      const stdout = await swaksRaw(port, '447973100000@sms.test', ['--body=kept']);
      const [qid] = queuedIds(stdout);
      const show = runCli(['queue', 'show', qid!, '--json', '--config', config]);
      await show.exited;
      expect(JSON.parse(show.stdout.join(''))).toMatchObject({ id: qid, state: 'queued', notice: { state: 'none' } });
      // For a person (issue 15 item 9): no smarthost means no notice, not one pending forever; the text is shown.
      const text = runCli(['queue', 'show', qid!, '--config', config]);
      await text.exited;
      const lines = text.stdout.join('\n');
      expect(lines).toContain('notice: none (no smarthost is configured, so no notice is made)');
      expect(lines).toContain('notices asked: failure');
      expect(lines).toMatch(/\ntext:\n.*kept$/s);
    } finally {
      await gw.stop();
    }
  });
});
