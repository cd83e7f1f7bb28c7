/*
 * modem-profile.ts - read and validate the modem profiles in hardware/profiles/*.yaml.
 *
 * Promise: every profile returned has the shape of `Profile` in src/transports/modem/profile.ts
 * (structurally: config/ does not reach into the modem folder), regexes that compile and a name equal to its file name; a bad file stops start-up with one
 * message per bad key naming the file (ConfigInvalidError, M2S_CONFIG_INVALID), as the config does;
 * a `cmsErrors` table holds only the maker's codes (512 and up), each temporary or not, with a status
 * of that class.
 * The format is described in hardware/profiles/README.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigInvalidError } from './load.js';
import { checkYaml } from './yaml-check.js';

/** Where the shipped profiles live, from this file in src/config/ or dist/config/. */
export const PROFILES_DIR = resolve(import.meta.dirname, '../../hardware/profiles');

const regex = z.string().min(1).refine((s) => {
  try {
    new RegExp(s, 'i');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

const hex4 = z.string().regex(/^[0-9a-f]{4}$/, 'four lower-case hex digits, as lsusb prints them');
const ms = z.number().int().positive().max(600_000);

const rfc3463 = /^[45]\.\d{1,3}\.\d{1,3}$/;

/** One maker's +CMS ERROR meaning; a status, when given, is of the class `temporary` says. */
const cmsError = z.strictObject({
  temporary: z.boolean(),
  text: z.string().min(1),
  status: z.string().regex(rfc3463, 'an RFC 3463 status such as 4.3.0 or 5.6.0').optional(),
}).refine((e) => e.status === undefined || !rfc3463.test(e.status) || e.status.startsWith(e.temporary ? '4.' : '5.'), {
  message: 'a temporary error has a 4.x.x status, a permanent one 5.x.x',
  path: ['status'],
});

/**
 * The maker's codes only: TS 27.005 §3.2.5 leaves 512 and up to the manufacturer; the codes below
 * mean the same on every modem and stay in src/transports/modem/cms-errors.ts.
 */
const CMS_CODE = 'a manufacturer +CMS ERROR code, 512 to 65535 (TS 27.005 §3.2.5; lower codes are standard)';
const cmsErrors = z.record(
  z.string().regex(/^\d+$/).refine((code) => Number(code) >= 512 && Number(code) <= 65535),
  cmsError,
  { error: (issue) => (issue.code === 'invalid_key' ? CMS_CODE : undefined) },
);

const profileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case'),
  description: z.string().min(1),
  match: z.strictObject({ manufacturer: regex, model: regex.optional() }),
  usb: z.array(z.strictObject({ vendor: hex4, product: hex4, interface: z.string().regex(/^[0-9a-f]{2}$/).optional() })).default([]),
  init: z.array(z.string().regex(/^AT/i, 'an AT command')).default([]),
  cnmi: z.string().regex(/^\d(,\d){1,4}$/, 'AT+CNMI parameters such as 2,1,0,1,0').optional(),
  finalErrors: z.array(z.string().min(1)).default([]),
  timeouts: z.strictObject({ command: ms.optional(), prompt: ms.optional(), submit: ms.optional(), startup: ms.optional() }).default({}),
  flags: z.strictObject({
    needsCscs: z.boolean().default(false),
    noCds: z.boolean().default(false),
    slowPrompt: z.boolean().default(false),
    cmgsCountsSmsc: z.boolean().default(false),
    noCmms: z.boolean().default(false),
    cpinWithoutOk: z.boolean().default(false),
    cnma: z.boolean().default(false),
  }).default({ needsCscs: false, noCds: false, slowPrompt: false, cmgsCountsSmsc: false, noCmms: false, cpinWithoutOk: false, cnma: false }),
  cmsErrors: cmsErrors.default({}),
});

/** One validated profile file; assignable to the modem transport's `Profile`. */
export type ModemProfileData = z.output<typeof profileSchema>;

/** Parses one profile file's text; `source` names the file in messages. Throws ConfigInvalidError. */
export function parseModemProfile(text: string, source: string): ModemProfileData {
  const checked = checkYaml(profileSchema, text, source);
  if (!checked.ok) throw new ConfigInvalidError(checked.stage === 'yaml' ? checked.problems.map((m) => `${source}: not YAML: ${m}`) : checked.problems);
  const r = checked;
  const expected = basename(source).replace(/\.ya?ml$/, '');
  if (r.data.name !== expected) throw new ConfigInvalidError([`${source}: name: "${r.data.name}" differs from the file name "${expected}"`]);
  return r.data;
}

/** Every *.yaml profile in `dir`, sorted by file name. */
export function loadModemProfiles(dir: string = PROFILES_DIR): ModemProfileData[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  return files.map((f) => {
    const path = join(dir, f);
    return parseModemProfile(readFileSync(path, 'utf8'), path);
  });
}
