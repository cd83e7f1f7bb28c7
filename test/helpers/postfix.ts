/*
 * postfix.ts - Debian's real Postfix as a private instance in front of the gateway boxes, for the
 * tests of the recipe in docs/scaling.md ("Behind the site's mail server").
 *
 * Promise: the instance has its own config, queue and data directories in a temp dir, listens
 * only on 127.0.0.1 at a free port, relays nothing but the gateway domain (to the `sms` transport:
 * the primary box as the next hop, the fallback box as `smtp_fallback_relay`), and accepts mail for
 * that domain only from `siteClients` (the client-address gate the boxes cannot see past the relay).
 * It never touches the system's Postfix (/etc/postfix is not read). stop() stops it and removes
 * its directory. Deferred mail is retried within about a second (short backoff), so a test waits
 * on conditions, not on Postfix's default minutes.
 * Needs root (Postfix's master runs as root and its daemons as the postfix user); postfixMissing()
 * names what is absent so a test can say why it is skipped.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './daemon.js';
import { freePort } from './ports.js';

const POSTFIX = '/usr/sbin/postfix';
const POSTQUEUE = '/usr/sbin/postqueue';

export interface PostfixOptions {
  /** The gateway domain: the only domain relayed (relay_domains, transport map). */
  readonly domain: string;
  /** SMTP port of the primary box on 127.0.0.1 (the transport's next hop). */
  readonly primary: number;
  /** SMTP port of the fallback box on 127.0.0.1 (smtp_fallback_relay); none: no fallback. */
  readonly fallback?: number;
  /** CIDR of the site hosts allowed to mail the gateway domain through this relay. */
  readonly siteClients: string;
  /** The relay's own address towards the boxes (smtp_bind_address): the client address they see. */
  readonly relayAddress: string;
  /** The authserv-id of the relay's own Authentication-Results: headers claiming it are removed. */
  readonly authservId: string;
}

/** One `status=` line of the sms transport: a delivery attempt to one box. */
export interface Delivery {
  readonly qid: string;
  readonly to: string;
  /** The box's port, undefined when no connection was made. */
  readonly port: number | undefined;
  readonly status: 'sent' | 'deferred' | 'bounced';
  readonly reply: string;
}

export interface PostfixInstance {
  readonly port: number;
  readonly dir: string;
  /** The instance's maillog so far. */
  log(): string;
  /** Every delivery attempt of the sms transport logged so far, in order. */
  deliveries(): Delivery[];
  /** Queue ids of mail still in Postfix's queue (postqueue -j). */
  queued(): string[];
  /** Retries deferred mail now (postqueue -f). */
  flush(): void;
  stop(): Promise<void>;
}

/** Why the real Postfix cannot run here, or undefined when it can. */
export function postfixMissing(): string | undefined {
  if (!existsSync(POSTFIX)) return `${POSTFIX} not installed (Debian package postfix; scripts/test.sh installs it)`;
  if (process.getuid?.() !== 0) return 'a private Postfix instance needs root (its master runs as root)';
  return undefined;
}

function mainCf(dir: string, port: number, o: PostfixOptions): string {
  return `# private test instance: nothing here reads /etc/postfix
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
maillog_file_prefixes = ${dir}
maillog_file = ${dir}/maillog
myhostname = ${o.authservId}
mydomain = test
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.1/32
alias_maps =
alias_database =
local_recipient_maps =
smtp_dns_support_level = disabled
smtp_bind_address = ${o.relayAddress}
# queue ids never reused (short ids repeat once a queue file is gone), so a log line names one mail
enable_long_queue_ids = yes
# --- the recipe (docs/scaling.md), test addresses ---
relay_domains = ${o.domain}
transport_maps = texthash:${dir}/conf/transport
smtpd_restriction_classes = sms_clients
sms_clients = check_client_access cidr:${dir}/conf/sms_clients, reject
smtpd_recipient_restrictions = check_recipient_access texthash:${dir}/conf/sms_recipients, permit_mynetworks, reject_unauth_destination
header_checks = regexp:${dir}/conf/header_checks
# --- test only: retry deferred mail within seconds (defaults: 300s, 300s, 4000s) ---
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
# a kept connection goes back to the primary box after 1s of use (recipe: 60s)
smtp_connection_reuse_time_limit = 1s
# smtpd on port ${port}: the system instance's port 25 is never taken
`;
}

function masterCf(port: number, o: PostfixOptions): string {
  const fallback = o.fallback === undefined ? '' : `\n    -o smtp_fallback_relay=[127.0.0.1]:${o.fallback}`;
  return `127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
sms       unix  -       -       n       -       -       smtp
    -o syslog_name=postfix/sms
    -o smtp_connection_cache_destinations=127.0.0.1${fallback}
`;
}

function escapeRegexp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function writeConfig(dir: string, port: number, o: PostfixOptions): void {
  const conf = join(dir, 'conf');
  mkdirSync(conf);
  mkdirSync(join(dir, 'queue'));
  mkdirSync(join(dir, 'data'), { mode: 0o700 });
  writeFileSync(join(conf, 'main.cf'), mainCf(dir, port, o));
  writeFileSync(join(conf, 'master.cf'), masterCf(port, o));
  writeFileSync(join(conf, 'transport'), `${o.domain}    sms:[127.0.0.1]:${o.primary}\n`);
  writeFileSync(join(conf, 'sms_recipients'), `${o.domain}    sms_clients\n`);
  writeFileSync(join(conf, 'sms_clients'), `${o.siteClients}    OK\n`);
  writeFileSync(join(conf, 'header_checks'), `/^Authentication-Results:\\s*${escapeRegexp(o.authservId)}\\b/ IGNORE\n`);
  // The daemons run as the postfix user: they must reach the queue; the data directory is theirs.
  chmodSync(dir, 0o755);
  const uid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  chownSync(join(dir, 'data'), uid, -1);
}

const STATUS = /postfix\/sms\/smtp\[\d+\]: ([0-9A-Za-z]+): to=<([^>]+)>, (?:relay=([^,]+), )?.*?status=(sent|deferred|bounced) \((.*)\)$/;

function parseDeliveries(log: string): Delivery[] {
  const out: Delivery[] = [];
  for (const line of log.split('\n')) {
    const m = STATUS.exec(line);
    if (!m) continue;
    const port = /\]:(\d+)$/.exec(m[3] ?? '')?.[1];
    out.push({ qid: m[1]!, to: m[2]!, port: port === undefined ? undefined : Number(port), status: m[4] as Delivery['status'], reply: m[5]! });
  }
  return out;
}

function pid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function alive(p: number): boolean {
  try {
    process.kill(p, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startPostfix(o: PostfixOptions): Promise<PostfixInstance> {
  const dir = tempDir('mail2sms-postfix-');
  const port = await freePort();
  writeConfig(dir, port, o);
  const conf = join(dir, 'conf');
  const run = (cmd: string, args: readonly string[]): string => {
    try {
      return execFileSync(cmd, ['-c', conf, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '';
      throw new Error(`${cmd} -c ${conf} ${args.join(' ')} failed: ${(err as Error).message}\n${log}`);
    }
  };
  const log = (): string => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '');
  run(POSTFIX, ['check']);
  run(POSTFIX, ['start']);
  return {
    port,
    dir,
    log,
    deliveries: () => parseDeliveries(log()),
    queued: () =>
      run(POSTQUEUE, ['-j'])
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => (JSON.parse(l) as { queue_id: string }).queue_id),
    flush: () => void run(POSTQUEUE, ['-f']),
    async stop() {
      const master = pid(join(dir, 'queue', 'pid', 'master.pid'));
      try {
        run(POSTFIX, ['stop']);
      } catch {
        // a master that is already gone: its leftovers are killed below
      }
      if (master !== undefined && alive(master)) process.kill(master, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
