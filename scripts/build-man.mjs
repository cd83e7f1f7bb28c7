#!/usr/bin/env node
/*
 * build-man.mjs - writes the man page mail2sms(8) (roff) to FILE, or to stdout.
 *
 *   npm run build && node scripts/build-man.mjs [FILE [DIST]]
 *
 * The commands and their usage come from the built CLI's USAGES (src/cli/commands/index.ts),
 * the list `mail2sms --help` prints, so the man page and --help cannot say different things; DIST
 * is the built CLI to read (default: the checkout's dist/).
 * scripts/build-deb.sh installs the result as /usr/share/man/man8/mail2sms.8.gz; it is not kept
 * in the repository. The date is SOURCE_DATE_EPOCH's when set (reproducible builds), else today.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [out, dist] = process.argv.slice(2);
const { EXIT_CODES, USAGES, wrapUsage } = await import(dist === undefined ? '../dist/cli/commands/index.js' : pathToFileURL(`${dist}/cli/commands/index.js`).href);

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const epoch = process.env.SOURCE_DATE_EPOCH;
const date = (epoch ? new Date(Number(epoch) * 1000) : new Date()).toISOString().slice(0, 10);

/** Text as roff reads it literally: backslashes and minus signs escaped, no line read as a request. */
const esc = (text) => text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');

const commands = USAGES.map((u) => [
  `.SS ${esc(u.name)}`,
  '.nf',
  ...wrapUsage(u.usage, 70).map((line, i) => esc(i === 0 ? line : `    ${line}`)),
  '.fi',
  '.RS',
  esc(u.summary),
  '.RE',
].join('\n'));

const page = `.TH MAIL2SMS 8 "${date}" "mail2sms ${esc(pkg.version)}" "System Administration"
.SH NAME
mail2sms \\- email\\-to\\-SMS gateway
.SH SYNOPSIS
.B mail2sms
.I command
.RI [ options "] [" \\-\\-config " FILE]"
.br
.B mail2sms \\-\\-help
.SH DESCRIPTION
${esc(pkg.description)}
.PP
The service (\\fBsystemctl status mail2sms\\fR) runs \\fBmail2sms start\\fR as the user
\\fBmail2sms\\fR, in the \\fBdialout\\fR group for the serial modems. The other commands act on the
same state directory; run as root, \\fB/usr/bin/mail2sms\\fR runs them as the user \\fBmail2sms\\fR,
so the files of the state directory stay the service's own.
Every command takes \\fB\\-\\-help\\fR, printing its usage as below.
.SH COMMANDS
${commands.join('\n')}
.SH ENVIRONMENT
.TP
.B MAIL2SMS_CONFIG
The config file when no \\fB\\-\\-config\\fR is given; \\fB/usr/bin/mail2sms\\fR and the service set it
to \\fI/etc/mail2sms/config.yaml\\fR. Without a config file the commands run on the embedded
defaults (domain sms.localhost, SMTP on 127.0.0.1:2525, state in ./var, one simulated modem).
.SH FILES
.TP
.I /etc/mail2sms/config.yaml
The configuration: every key, commented out, with what it does and its default.
.TP
.I /var/lib/mail2sms/mail2sms.db
The queue, the accounts and users, the SMS received (SQLite); mode 0700 directory, 0600 files.
.TP
.I /usr/lib/systemd/system/mail2sms.service
The service unit.
.TP
.I /usr/lib/udev/rules.d/99\\-mail2sms\\-modem.rules
Stable names (/dev/mail2sms\\-<family>) and the dialout group for the known modems.
.TP
.I /usr/share/doc/mail2sms/
The manual (README.md) and the documents it links to.
.SH EXIT STATUS
${esc(EXIT_CODES.replace(/^exit codes: /, ''))}.
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1),
.BR udevadm (8)
`;

if (out === undefined) process.stdout.write(page);
else writeFileSync(out, page);
