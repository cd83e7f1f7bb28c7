/*
 * The header block kept for a DSN's text/rfc822-headers part (src/dsn/header-block.ts).
 */
import { describe, expect, it } from 'vitest';
import { headerBlockOf } from '../../../src/dsn/index.js';

describe('the header block of a mail', () => {
  it('is everything before the first empty line, CRLF or bare LF', () => {
    expect(headerBlockOf(Buffer.from('From: a@b\r\nSubject: x\r\n\r\nbody\r\n\r\nmore'))).toBe('From: a@b\r\nSubject: x');
    expect(headerBlockOf(Buffer.from('From: a@b\nSubject: x\n\nbody\n'))).toBe('From: a@b\nSubject: x');
  });

  it('is the whole mail when there is no body, and empty when the mail starts with the body', () => {
    expect(headerBlockOf(Buffer.from('Subject: only headers\r\n'))).toBe('Subject: only headers\r\n');
    expect(headerBlockOf(Buffer.from('\r\nbody'))).toBe('');
  });

  it('keeps UTF-8 header text (RFC 6532)', () => {
    expect(headerBlockOf(Buffer.from('Subject: Störung Pumpe 3\r\n\r\nx'))).toBe('Subject: Störung Pumpe 3');
  });

  it('cuts a long block after the last whole field that fits, folded lines included', () => {
    const raw = Buffer.from('A: 1\r\nB: 2\r\n  continued\r\nC: 3333333333\r\nD: 4\r\n\r\nbody');
    expect(headerBlockOf(raw, 12)).toBe('A: 1');
    expect(headerBlockOf(raw, 6 + 6 + 13)).toBe('A: 1\r\nB: 2\r\n  continued');
    expect(headerBlockOf(raw, 1000)).toBe('A: 1\r\nB: 2\r\n  continued\r\nC: 3333333333\r\nD: 4');
  });
});
