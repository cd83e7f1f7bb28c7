/*
 * Issue 15 item 9: a fresh gateway's /metrics has every counter family with its samples at 0
 * (each route with each result, each reason and outcome), so an alert on a new box sees the
 * series before the first event. Real HTTP on loopback, the simulated modem, a real SQLite file.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { tempDir } from '../../helpers/daemon.js';

/** The counter families of a Prometheus text body, each with its sample lines. */
function counterFamilies(body: string): Map<string, string[]> {
  const families = new Map<string, string[]>();
  for (const line of body.split('\n')) {
    const type = /^# TYPE (\S+) counter$/.exec(line);
    if (type) families.set(type[1]!, []);
    else if (!line.startsWith('#') && line !== '') {
      const name = line.split(/[{ ]/)[0]!;
      families.get(name)?.push(line);
    }
  }
  return families;
}

describe('issue 15: /metrics of a gateway that has seen nothing yet', () => {
  let gateway: Gateway;
  let body: string;
  beforeAll(async () => {
    const dir = tempDir();
    const text = `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nhttp: { listen: "127.0.0.1:0" }\nroutes:\n  - { name: sim1, transport: sim }\n  - { name: sim2, transport: sim }\n`;
    gateway = await startGateway({ config: parseConfigText(text, join(dir, 'c.yaml')), logger: silentLogger() });
    body = await (await fetch(`http://${gateway.http!.host}:${gateway.http!.port}/metrics`)).text();
  });
  afterAll(async () => gateway?.stop());

  it('shows every counter family with samples, all at 0, but the SMTP refusals (status known only when refused)', () => {
    const families = counterFamilies(body);
    expect(families.size).toBeGreaterThan(10);
    for (const [name, samples] of families) {
      if (name === 'mail2sms_smtp_refused_total') continue;
      expect(samples, name).not.toEqual([]);
      for (const s of samples) expect(s, name).toMatch(/ 0$/);
    }
  });

  it('shows each route with each result, and each reason and outcome', () => {
    for (const route of ['sim1', 'sim2']) {
      for (const result of ['sent', 'deferred', 'bounced', 'unknown']) expect(body).toContain(`mail2sms_send_attempts_total{route="${route}",result="${result}"} 0\n`);
      for (const state of ['delivered', 'failed', 'expired', 'pending']) expect(body).toContain(`mail2sms_status_reports_total{route="${route}",state="${state}"} 0\n`);
      expect(body).toContain(`mail2sms_route_taken_out_total{route="${route}"} 0\n`);
      expect(body).toContain(`mail2sms_inbound_parts_total{route="${route}",result="duplicate"} 0\n`);
    }
    expect(body).toContain('mail2sms_messages_expired_total{reason="max-age"} 0\n');
    expect(body).toContain('mail2sms_inbound_mails_total{outcome="retry"} 0\n');
    expect(body).toContain('mail2sms_smtp_timeouts_total{phase="data"} 0\n');
  });
});
