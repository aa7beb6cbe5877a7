import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#local/paths';
import { ibanValid, luhnValid, Redactor, scan } from '#triage/redact';
import { parseLabelledLine, readCorpus, scoreCorpus } from '#triage/redaction-eval';

describe('Redactor', () => {
  it('replaces each kind of value with a typed placeholder', () => {
    const redactor = new Redactor();
    const out = redactor.redact(
      'jane@example.com paid with 4111 1111 1111 1111 from 203.0.113.7, key AKIAIOSFODNN7EXAMPLE, ssn 123-45-6789',
    );
    expect(out).toBe(
      '<EMAIL_1> paid with <CARD_1> from <IPV4_1>, key <AWS_ACCESS_KEY_1>, ssn <SSN_1>',
    );
  });

  it('gives the same value the same placeholder across lines, and a new value a new one', () => {
    const redactor = new Redactor();
    expect(redactor.redact('a@example.com then b@example.com')).toBe('<EMAIL_1> then <EMAIL_2>');
    expect(redactor.redact('again a@example.com')).toBe('again <EMAIL_1>');
    expect(redactor.counts()).toEqual({ EMAIL: 2 });
  });

  it('starts numbering again for another incident', () => {
    new Redactor().redact('a@example.com b@example.com');
    expect(new Redactor().redact('b@example.com')).toBe('<EMAIL_1>');
  });

  it('redacts every string inside evidence data and keeps the keys', () => {
    const value = new Redactor().redactValue({ email: 'a@example.com', list: ['10.0.0.1'], n: 3 });
    expect(value).toEqual({ email: '<EMAIL_1>', list: ['<IPV4_1>'], n: 3 });
  });

  it.each([
    ['a card number with a wrong checksum', '4111 1111 1111 1112'],
    ['an order id', 'ord_0123456789abcdef0123456789abcdef'],
    ['a commit hash', '3f2b415c0ffee1234567890abcdef12345678901'],
    ['a timestamp', '2026-11-27T13:09:58.123Z'],
    ['an invalid SSN area', '666-12-3456'],
    ['a duration and a port', 'took 1500 ms on port 8080'],
    ['a UUID', '6f1c2d3e-1111-2222-3333-444455556666'],
  ])('leaves %s alone', (_, text) => {
    expect(scan(text)).toEqual([]);
  });

  it('checks card numbers with Luhn and IBANs with mod 97', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('GB00 WEST 1234 5698 7654 32')).toBe(false);
  });

  it('finds tokens and passwords in URLs and query strings', () => {
    const out = new Redactor().redact(
      'https://u:pa55word@db.internal/x?sku=1&token=abc123def456 Bearer abcdefgh12345678',
    );
    expect(out).toBe(
      'https://u:<PASSWORD_1>@db.internal/x?sku=1&token=<URL_SECRET_1> Bearer <BEARER_TOKEN_1>',
    );
  });
});

describe('redaction corpus', () => {
  it('parses labelled lines into text and spans', () => {
    expect(parseLabelledLine('mail [[EMAIL:a@b.io]] now')).toEqual({
      text: 'mail a@b.io now',
      labels: [{ type: 'EMAIL', start: 5, end: 11 }],
    });
  });

  it('reaches 95% recall and 95% precision on the labelled corpus', async () => {
    const lines = await readCorpus(join(REPO_ROOT, 'tests', 'fixtures', 'redaction', 'corpus.txt'));
    const { overall, mistakes } = scoreCorpus(lines);
    expect(overall.tp + overall.fn).toBeGreaterThanOrEqual(60);
    expect(overall.recall, mistakes.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(overall.precision, mistakes.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('scores a detector that finds nothing as zero recall', () => {
    const { overall } = scoreCorpus([parseLabelledLine('[[EMAIL:a@b.io]]')], () => []);
    expect(overall).toMatchObject({ tp: 0, fn: 1, recall: 0 });
  });
});
