/*
 * /metrics and /healthz of the gateway in process (SPEC 11): real SMTP and HTTP on loopback,
 * the real driver on the simulated modem, a real SQLite file, and a modem route whose device
 * path does not exist (a USB modem not plugged in).
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { gatewayHealth } from '../../../src/metrics/index.js';
import { openQueue } from '../../../src/queue/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';

const MISSING = '/dev/serial/by-id/usb-mail2sms-test-not-plugged-in';

async function start(routes: string): Promise<{ gateway: Gateway; device: SimDevice; base: string; smtp: number }> {
  const dir = tempDir();
  const device = new SimDevice({ now: Date.now });
  const text = `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nhttp: { listen: "127.0.0.1:0" }\nroutes:\n${routes}`;
  const gateway = await startGateway({
    config: parseConfigText(text, join(dir, 'c.yaml')),
    logger: silentLogger(),
    transportOverrides: { simDevices: new Map([['sim', device]]) },
    transportRetryMs: 60_000,
  });
  const http = gateway.http!;
  return { gateway, device, base: `http://${http.host}:${http.port}`, smtp: gateway.listening[0]!.port };
}

const mail = (port: number, to: string, text: string) =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ from: 'alerts@localhost', to, subject: 'disk', text });

/** The value of one sample line of a Prometheus text body, e.g. `mail2sms_route_ready{route="sim",kind="sim"}`. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('a gateway with a working simulated modem and a modem that is not plugged in', () => {
  let g: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    g = await start(`  - { name: sim, transport: sim }\n  - { name: gsm1, transport: modem, path: ${MISSING} }\n`);
    await vi.waitFor(() => expect(g.gateway.transports.map((t) => t.health().state)).toEqual(['ready', 'failed']), { timeout: 5000 });
  });
  afterAll(async () => g?.gateway.stop());

  it('answers /healthz 200 "degraded", naming the route that is down and why', async () => {
    const res = await fetch(`${g.base}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; routes: Array<{ name: string; ready: boolean; state: string; detail?: string }> };
    expect(body.status).toBe('degraded');
    expect(body.routes.map((r) => [r.name, r.ready, r.state])).toEqual([['sim', true, 'ready'], ['gsm1', false, 'failed']]);
    expect(body.routes[1]?.detail).toContain(MISSING);
  });

  it('counts a mail, its send and a refused recipient in /metrics, and shows each route', async () => {
    await mail(g.smtp, '+447973100000@sms.test', 'disk 91% full');
    await expect(mail(g.smtp, '12@sms.test', 'x')).rejects.toMatchObject({ responseCode: 553 });
    await expect.poll(() => g.device.received().length, { timeout: 5000 }).toBe(1);
    await expect.poll(async () => sample(await (await fetch(`${g.base}/metrics`)).text(), 'mail2sms_send_attempts_total{route="sim",result="sent"}'), { timeout: 5000 }).toBe(1);
    const res = await fetch(`${g.base}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    expect(sample(body, 'mail2sms_mails_queued_total')).toBe(1);
    expect(sample(body, 'mail2sms_segments_queued_total')).toBe(1);
    expect(sample(body, 'mail2sms_smtp_refused_total{stage="rcpt",status="5.1.3"}')).toBe(1);
    expect(sample(body, 'mail2sms_route_ready{route="sim",kind="sim"}')).toBe(1);
    expect(sample(body, 'mail2sms_route_ready{route="gsm1",kind="modem"}')).toBe(0);
    expect(sample(body, 'mail2sms_route_state{route="gsm1",state="failed"}')).toBe(1);
    expect(sample(body, 'mail2sms_queue_readable')).toBe(1);
    expect(sample(body, 'mail2sms_process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  });
});

describe('a gateway whose only modem is not plugged in', () => {
  let g: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    g = await start(`  - { name: gsm1, transport: modem, path: ${MISSING} }\n`);
    await vi.waitFor(() => expect(g.gateway.transports[0]!.health().state).toBe('failed'), { timeout: 5000 });
  });
  afterAll(async () => g?.gateway.stop());

  it('still accepts and queues mail, and /healthz answers 503 "down" with the backlog', async () => {
    await mail(g.smtp, '+447973100000@sms.test', 'ups on battery');
    const res = await fetch(`${g.base}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; queue: { segments: Record<string, number>; oldestOpenAgeSeconds: number } };
    expect(body.status).toBe('down');
    expect(body.queue.segments).toEqual({ queued: 1 });
    expect(body.queue.oldestOpenAgeSeconds).toBeGreaterThanOrEqual(0);
    const metrics = await (await fetch(`${g.base}/metrics`)).text();
    expect(sample(metrics, 'mail2sms_queue_segments{state="queued"}')).toBe(1);
  });

  it('says "down" with the reason when the queue file cannot be read', async () => {
    const closed = openQueue({ path: join(tempDir(), 'q.db'), logger: silentLogger() });
    await closed.close();
    const health = gatewayHealth({ transports: g.gateway.transports, queue: closed, inFlight: () => 0, startedAt: Date.now() });
    expect(health.ok).toBe(false);
    expect(health.body.status).toBe('down');
    expect(health.body.queue).toEqual({ error: expect.stringContaining('the queue cannot be read') });
  });
});
