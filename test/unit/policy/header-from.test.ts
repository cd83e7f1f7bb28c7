/*
 * checkOneFrom: the header From must name exactly one address (issue 12; RFC 5322 §3.6,
 * §3.6.2; RFC 7489 §6.6.1).
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';
import { checkOneFrom, type FromFieldFacts, type GateDecision } from '../../../src/policy/index.js';
import { replies } from '../../../src/smtp/index.js';

function refusal(decision: GateDecision) {
  if (decision.ok) throw new Error('expected a refusal, got ok');
  return decision;
}

const one = (addresses: string[], fields = 1, groups: string[] = []): FromFieldFacts => ({ fields, addresses, groups });

describe('checkOneFrom (issue 12: header From is exactly one address)', () => {
  it('accepts one From field naming one address', () => {
    expect(checkOneFrom(one(['alerts@site.example']))).toEqual({ ok: true });
  });

  it.each([
    ['no From field', one([], 0)],
    ['a From field with no address', one([])],
  ])('leaves %s to checkHeaderFrom (refused there as missing)', (_name, facts) => {
    expect(checkOneFrom(facts)).toEqual({ ok: true });
  });

  it('refuses two From fields with 550 5.7.1, saying how many there are', () => {
    const { reason, reply } = refusal(checkOneFrom(one(['alerts@site.example'], 2)));
    expect(reason).toBe('from-not-one');
    expect(reply).toEqual({
      code: 550,
      enhanced: '5.7.1',
      text: 'Message refused: the header has 2 From fields; RFC 5322 section 3.6 allows one, naming one address',
      errorCode: 'M2S_POLICY_FROM_NOT_ONE',
    });
  });

  it('refuses a From naming two addresses, naming both', () => {
    const { reply } = refusal(checkOneFrom(one(['alerts@site.example', 'boss@site.example'])));
    expect(reply.errorCode).toBe('M2S_POLICY_FROM_NOT_ONE');
    expect(reply.text).toBe('Message refused: header From names 2 addresses (<alerts@site.example>, <boss@site.example>); it must name exactly one, the envelope sender');
  });

  it('shows at most three addresses of a long list', () => {
    const { reply } = refusal(checkOneFrom(one(['a@x', 'b@x', 'c@x', 'd@x', 'e@x'])));
    expect(reply.text).toContain('names 5 addresses (<a@x>, <b@x>, <c@x>, ...)');
  });

  it.each([
    ['an empty group', one([], 1, ['undisclosed'])],
    ['a group holding the sender', one([], 1, ['team'])],
    ['a group beside an address', one(['alerts@site.example'], 1, ['team'])],
  ])('refuses %s: a group names no single mailbox', (_name, facts) => {
    const { reply } = refusal(checkOneFrom(facts));
    expect(reply.errorCode).toBe('M2S_POLICY_FROM_NOT_ONE');
    expect(reply.text).toMatch(/^Message refused: header From is a group \(\w+:;\), not one address/);
  });

  it('counts the fields before the addresses: two fields are refused as such', () => {
    expect(refusal(checkOneFrom(one(['a@x', 'b@x'], 3))).reply.text).toContain('3 From fields');
  });

  it('keeps a client-given group name to one printable ASCII line', () => {
    const { reply } = refusal(checkOneFrom(one([], 1, ['t\u00e9am\r\n250 ok'])));
    const err = replies.fromReply(reply);
    expect(err.message).toMatch(/^[\x20-\x7e]+$/);
    expect(err.responseCode).toBe(550);
    expect(ERROR_CODES[err.code]).toMatch(/\S/);
  });
});
