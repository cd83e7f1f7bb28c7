/*
 * A user's sender ID reaches the phone only through an SMPP route (a modem sends from its SIM's
 * own number). The built CLI says so where the user or the admin looks: `preview` and the log
 * at start, on a box without an SMPP route; and says nothing of it where an SMPP route exists.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';

const MAIL = 'From: alerts@localhost\r\nTo: <+447973100000@sms.test>\r\nSubject: disk\r\n\r\ndb1 91% full\r\n';

async function box(route: string): Promise<{ config: string; eml: string }> {
  const dir = tempDir();
  const config = writeConfig(dir, `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:${await freePort()}", greeting_delay_ms: 0 }\nroutes:\n  - ${route}\n`);
  const eml = join(dir, 'alert.eml');
  writeFileSync(eml, MAIL);
  // The first command on a state directory makes the `default` account and its user.
  expect((await runCli(['account', 'list', '--config', config]).exited).code).toBe(0);
  const set = runCli(['user', 'set', 'alerts@localhost', '--sender-id', 'ACME', '--config', config]);
  expect((await set.exited).code, set.stderr.join('\n')).toBe(0);
  return { config, eml };
}

async function preview(config: string, eml: string, json = false): Promise<string> {
  const p = runCli(['preview', eml, '--config', config, ...(json ? ['--json'] : [])]);
  expect((await p.exited).code, p.stderr.join('\n')).toBe(0);
  return p.stdout.join('\n');
}

describe('a sender ID on a box with and without an SMPP route', () => {
  it('preview says a modem-only box does not use it, in text and in JSON', async () => {
    const { config, eml } = await box('{ name: sim, transport: sim }');
    expect(await preview(config, eml)).toContain("sender:   ACME (not used on this box: no route here is SMPP, and a modem sends from its SIM's own number)");
    expect(JSON.parse(await preview(config, eml, true))).toMatchObject({ senderId: 'ACME', senderIdUsed: false });
  });

  it('preview shows it plainly where an SMPP route can set it', async () => {
    const { config, eml } = await box('{ name: up1, transport: smpp, host: 127.0.0.1, port: 2775, system_id: gw1, password_file: /nonexistent }');
    const text = await preview(config, eml);
    expect(text).toMatch(/^sender: {3}ACME$/m);
    expect(JSON.parse(await preview(config, eml, true))).toMatchObject({ senderId: 'ACME', senderIdUsed: true });
  });

  it('the daemon on a modem-only box warns once at start, naming the user', async () => {
    const { config } = await box('{ name: sim, transport: sim }');
    const gw = runCli(['start', '--config', config]);
    try {
      const line = await gw.waitFor((l) => l.event === 'sender_id.unused', 20_000, 'sender_id.unused');
      expect(line).toMatchObject({ level: 'warn', users: ['alerts@localhost (ACME)'] });
    } finally {
      await gw.stop();
    }
  });
});
