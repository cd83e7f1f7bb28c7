#!/usr/bin/env node
// Import boundaries (STYLE 1, 9): pure stages import no I/O module, each library is imported in
// its one folder, and no file reaches into another stage's inner files. Exits 1 on a violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

const PURE = ['policy', 'compose', 'condense', 'encode', 'verdict/judge.ts', 'verdict/relay.ts', 'verdict/authentication-results.ts', 'verdict/header-fields.ts', 'dsn/verdict-report.ts', 'dsn/report-plan.ts', 'dsn/report-facts.ts', 'dsn/delivery-report.ts', 'dsn/header-block.ts', 'dispatch/outcome.ts', 'dispatch/storm-rules.ts', 'dispatch/storm-text.ts', 'queue/backoff.ts', 'transports/sim/device.ts', 'transports/modem/at-reader.ts', 'transports/modem/cms-errors.ts', 'transports/smpp/submit.ts', 'transports/smpp/receipt.ts', 'transports/smpp/mo.ts', 'inbound/mail-plan.ts', 'inbound/reassemble.ts', 'transports/smpp/message-id.ts', 'transports/smpp/command-status.ts', 'transports/smpp/probe-report.ts', 'metrics'];
const IO = [/^node:(net|fs|fs\/promises|dgram|child_process|http|https|tls)$/, /^better-sqlite3$/, /^serialport$/, /^@serialport\//, /^smpp$/];
// library -> the only places (prefix of src-relative path) allowed to import it
const OWNER = {
  'smtp-server': ['smtp/'],
  mailparser: ['parse/'],
  mailauth: ['verdict/'],
  'node-pdu': ['encode/tpdu.ts'],
  serialport: ['transports/modem/port.ts', 'transports/sim/'],
  '@serialport/': ['transports/modem/port.ts', 'transports/sim/'],
  smpp: ['transports/smpp/'],
  'better-sqlite3': ['queue/', 'accounts/', 'inbound/', 'state/'],
  pino: ['log/'],
  zod: ['config/'],
  yaml: ['config/'],
  'libphonenumber-js': ['policy/numbering.ts'],
  nodemailer: ['dsn/mailer.ts'],
};

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const problems = [];
for (const file of walk(src)) {
  const rel = relative(src, file).split(sep).join('/');
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec) continue;
    const typeOnly = /^\s*(import|export)\s+type\s/.test(m[0]);
    if (!typeOnly && PURE.some((p) => rel.startsWith(p)) && IO.some((re) => re.test(spec))) {
      problems.push(`${rel}: pure module imports I/O module ${spec}`);
    }
    for (const [lib, owners] of Object.entries(OWNER)) {
      const hit = lib.endsWith('/') ? spec.startsWith(lib) : spec === lib || spec.startsWith(`${lib}/`);
      if (hit && !typeOnly && !owners.some((o) => rel.startsWith(o))) problems.push(`${rel}: imports ${spec}, which belongs to ${owners.join(', ')}`);
    }
    if (spec.startsWith('.')) {
      const target = relative(src, resolve(dirname(file), spec)).split(sep).join('/');
      const [fromStage] = rel.split('/');
      const parts = target.split('/');
      // another stage's inner file: src/<stage>/<file> other than index, types (shared value types)
      const nested = parts[0] === 'transports' && parts.length > 2;
      const stage = nested ? parts.slice(0, 2).join('/') : parts[0];
      const inner = parts.slice(nested ? 2 : 1).join('/');
      const fromKey = rel.startsWith('transports/') ? rel.split('/').slice(0, 2).join('/') : fromStage;
      if (parts.length > 1 && stage !== fromKey && !/^(index|types)\.js$/.test(inner) && !(stage === 'transports/transport.js') && !target.startsWith('transports/transport')) {
        if (!['errors.js', 'pipeline.js', 'main.js'].includes(target)) problems.push(`${rel}: reaches into ${target}; import ${stage}/index.js instead`);
      }
    }
  }
}
if (problems.length) {
  console.error(`import boundary violations:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('import boundaries: ok');
