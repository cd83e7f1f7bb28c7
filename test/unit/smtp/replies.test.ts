import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SmtpError } from '../../../src/errors.js';
import { badNumberReply, checkRecipient, EXPECTED_SHAPE, fullwidthPlusReply, unknownDomainReply } from '../../../src/policy/index.js';
import { replies } from '../../../src/smtp/index.js';

describe('named SMTP replies (STYLE 4: one constructor per condition)', () => {
  it.each<[string, SmtpError, number, string, string, boolean]>([
    ['unknown domain', replies.fromReply(unknownDomainReply('example.com')), 550, '5.1.2', 'M2S_POLICY_UNKNOWN_DOMAIN', false],
    ['bad number', replies.fromReply(badNumberReply('alerts', EXPECTED_SHAPE.e164)), 553, '5.1.3', 'M2S_POLICY_BAD_NUMBER', false],
    ['full-width plus', replies.fromReply(fullwidthPlusReply()), 553, '5.1.3', 'M2S_POLICY_FULLWIDTH_PLUS', false],
    ['too many segments', replies.tooManySegments(12, 10), 552, '5.3.4', 'M2S_MAIL_TOO_MANY_SEGMENTS', false],
    ['message too big', replies.messageTooBig(1048576), 552, '5.3.4', 'M2S_MAIL_TOO_BIG', false],
    ['unparseable', replies.unparseable('bad boundary'), 554, '5.6.0', 'M2S_MAIL_UNPARSEABLE', false],
    ['empty message', replies.emptyMessage(), 554, '5.6.0', 'M2S_MAIL_EMPTY', false],
    ['bad encapsulation header', replies.badEncapsulation('x-smpp-short-message', 'is empty'), 554, '5.6.0', 'M2S_MAIL_BAD_ENCAPSULATION', false],
    ['queue unavailable', replies.queueUnavailable(), 451, '4.3.0', 'M2S_QUEUE_UNAVAILABLE', true],
    ['too many recipients', replies.tooManyRecipients(100), 452, '4.5.3', 'M2S_POLICY_TOO_MANY_RECIPIENTS', true],
    ['internal error', replies.internalError(new Error('x')), 451, '4.3.0', 'M2S_SMTP_INTERNAL', true],
    ['AUTH credentials invalid', replies.authInvalid(), 535, '5.7.8', 'M2S_SMTP_AUTH_FAILED', false],
    ['AUTH before STARTTLS', replies.authNeedsTls(), 538, '5.7.11', 'M2S_SMTP_AUTH_TLS_REQUIRED', false],
    ['AUTH check failed', replies.authUnavailable(new Error('x')), 454, '4.7.0', 'M2S_SMTP_AUTH_UNAVAILABLE', true],
    ['one verdict criterion short', replies.verdictFailed('a@b', [{ criterion: 'dkim', judgment: 'GRAY', minimum: 'PASS', reason: 'no signature' }]), 550, '5.7.1', 'M2S_VERDICT_FAILED', false],
    ['several verdict criteria short (RFC 7372)', replies.verdictFailed('a@b', [{ criterion: 'dkim', judgment: 'FAIL', minimum: 'GRAY', reason: 'x' }, { criterion: 'dmarc', judgment: 'FAIL', minimum: 'GRAY', reason: 'y' }]), 550, '5.7.26', 'M2S_VERDICT_FAILED', false],
    ['verdict DNS temperror', replies.verdictTemporary('SPF: DNS timeout'), 451, '4.7.0', 'M2S_VERDICT_TEMPORARY', true],
    ['verdict@ without smarthost', replies.verdictNoSmarthost(), 550, '5.3.5', 'M2S_VERDICT_NO_SMARTHOST', false],
    ['verdict@ with numbers', replies.verdictNotAlone(), 550, '5.5.3', 'M2S_VERDICT_NOT_ALONE', false],
    ['verdict reply not sent', replies.verdictReplyFailed('connection refused'), 451, '4.4.0', 'M2S_VERDICT_REPLY_FAILED', true],
  ])('%s carries its code, enhanced status and registry code', (_name, err, code, enhanced, errorCode, temporary) => {
    expect(err).toBeInstanceOf(SmtpError);
    expect(err.responseCode).toBe(code);
    expect(err.enhanced).toBe(enhanced);
    expect(err.code).toBe(errorCode);
    expect(ERROR_CODES[err.code]).toMatch(/\S/);
    expect(err.temporary).toBe(temporary);
    expect(err.message.startsWith(`${enhanced} `)).toBe(true);
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  it.each([
    ['the segment counts', replies.tooManySegments(12, 10).message, '5.3.4 Message refused: the text needs 12 SMS segments, this account allows at most 10'],
    ['the size limit', replies.messageTooBig(2000).message, '5.3.4 Message refused: larger than the 2000 bytes this gateway takes'],
    ['that there is nothing to send', replies.emptyMessage().message, '5.6.0 Message refused: nothing to send (subject and body are empty)'],
    [
      'the x-smpp header that is wrong and why',
      replies.badEncapsulation('x-smpp-short-message', 'has an odd number of hex digits (5): each octet takes two').message,
      '5.6.0 Message refused: header x-smpp-short-message has an odd number of hex digits (5): each octet takes two',
    ],
    [
      'the user, each criterion short of its minimum and why',
      replies.verdictFailed('ops@example.com', [{ criterion: 'spf', judgment: 'GRAY', minimum: 'PASS', reason: 'no SPF record for example.com' }]).message,
      '5.7.1 Message refused for ops@example.com: SPF GRAY is below the minimum PASS (no SPF record for example.com)',
    ],
    [
      'all three criteria even when each reason is long',
      replies.verdictFailed('ops@example.com', (['dkim', 'spf', 'dmarc'] as const).map((criterion) => ({ criterion, judgment: 'FAIL', minimum: 'PASS', reason: 'x'.repeat(150) })))
        .message.replace(/x{100}\.\.\./g, 'X'),
      '5.7.26 Message refused for ops@example.com: DKIM FAIL is below the minimum PASS (X); SPF FAIL is below the minimum PASS (X); DMARC FAIL is below the minimum PASS (X)',
    ],
    ['the recipient limit', replies.tooManyRecipients(100).message, '4.5.3 Too many recipients: at most 100 per message, send the rest in another message'],
  ])('the text names %s', (_name, message, expected) => {
    expect(message).toBe(expected);
  });

  it('folds a multi-line parse detail onto one line', () => {
    expect(replies.unparseable('line one\r\nline two').message).toBe('5.6.0 Message refused: it could not be parsed (line one line two)');
  });

  it('gives the same reply for a recipient as the policy stage decides', () => {
    const check = checkRecipient('alerts@sms.example.lan', { domains: ['sms.example.lan'], plan: 'e164' });
    if (check.ok) throw new Error('expected a refusal');
    const fromPolicy = replies.fromReply(check.reply);
    const named = replies.fromReply(badNumberReply('alerts', EXPECTED_SHAPE.e164));
    expect([fromPolicy.responseCode, fromPolicy.message, fromPolicy.code]).toEqual([named.responseCode, named.message, named.code]);
  });

  it('names every queue id in the 250 text, as Postfix does', () => {
    expect(replies.accepted(['A1B2', 'C3D4'])).toBe('2.0.0 Ok: queued as A1B2 C3D4');
  });

  it('echoes what a client sent as printable ASCII: a bidi override, a control character or a line break in a domain stays escaped on one line', () => {
    const reply = replies.fromReply(unknownDomainReply('ex\u202eam\u0007ple.org\r\n250 ok'));
    expect(reply.message).toBe('5.1.2 Recipient refused: domain ex\\u202Eam\\u0007ple.org\\u000D\\u000A250 ok is not served by this gateway (no relaying)');
    expect(replies.fromReply(unknownDomainReply('ex\u00e9.org')).message).toContain('domain ex\\u00E9.org is not served');
  });
});
