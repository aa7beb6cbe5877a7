import { isIPv6 } from 'node:net';

/**
 * The deterministic redactor: every value of a sensitive kind becomes a typed placeholder
 * (`<EMAIL_1>`), the same value the same placeholder for the life of one {@link Redactor} (one
 * incident), so the model can still see that two lines name one customer without seeing who.
 *
 * Detectors run in a fixed order, most specific first (a JWT before a generic token, a card
 * number before a phone number), each on text the earlier ones left. Checksums (Luhn for cards,
 * mod-97 for IBANs) and range rules (SSN areas, NINO prefixes) keep look-alikes (order ids,
 * timestamps, commit hashes) out.
 */

export const PII_TYPES = [
  'JWT',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'BEARER_TOKEN',
  'URL_SECRET',
  'PASSWORD',
  'EMAIL',
  'IBAN',
  'CARD',
  'SSN',
  'NINO',
  'IPV6',
  'IPV4',
  'PHONE',
] as const;
export type PiiType = (typeof PII_TYPES)[number] | `COMPREHEND_${string}`;

/** One sensitive value found in a text: `[start, end)` of the value, in the input's offsets. */
export interface Finding {
  readonly type: PiiType;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

interface Detector {
  readonly type: PiiType;
  readonly pattern: RegExp;
  /** Index of the capture group holding the value; 0 is the whole match. */
  readonly group?: number;
  readonly valid?: (value: string) => boolean;
}

const digitsOf = (value: string): string => value.replace(/\D/g, '');

/** Luhn checksum over the digits of a candidate card number. */
export const luhnValid = (value: string): boolean => {
  const digits = digitsOf(value);
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
};

/** ISO 13616 mod-97 check of a candidate IBAN (spaces allowed). */
export const ibanValid = (value: string): boolean => {
  const iban = value.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = `${iban.slice(4)}${iban.slice(0, 4)}`;
  let remainder = 0;
  for (const char of rearranged) {
    const code = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of code) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
};

const ssnValid = (value: string): boolean => {
  const [area = '', group = '', serial = ''] = value.split('-');
  return (
    area !== '000' && area !== '666' && !area.startsWith('9') && group !== '00' && serial !== '0000'
  );
};

const NINO_BAD_PREFIXES = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);

const SECRET_NAMES =
  'password|passwd|pwd|pass|secret|token|access_token|refresh_token|id_token|api_key|apikey|api-key|client_secret|sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential|auth|authorization|session|sessionid|code';

const DETECTORS: readonly Detector[] = [
  { type: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { type: 'AWS_ACCESS_KEY', pattern: /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g },
  {
    type: 'AWS_SECRET_KEY',
    pattern:
      /(?:aws_?secret_?(?:access_?)?key|secretAccessKey|SecretAccessKey)["'\s]*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  {
    // A bare 40-character secret key: base64 with both cases and a digit, never plain hex.
    type: 'AWS_SECRET_KEY',
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    valid: (value) =>
      /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value) && /[/+]/.test(value),
  },
  { type: 'BEARER_TOKEN', pattern: /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{8,}=*)/g, group: 1 },
  // HTTP Basic credentials (base64 of user:password).
  { type: 'PASSWORD', pattern: /\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})/g, group: 1 },
  // user:password@host in a URL.
  { type: 'PASSWORD', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi, group: 1 },
  // ?token=... &password=... in a URL or form body.
  {
    type: 'URL_SECRET',
    pattern: new RegExp(`[?&;](?:${SECRET_NAMES})=([^&\\s#"']+)`, 'gi'),
    group: 1,
  },
  // password: "...", "token":"...", secret=... in logs and JSON.
  {
    type: 'PASSWORD',
    pattern: new RegExp(`\\b(?:${SECRET_NAMES})["']?\\s*[:=]\\s*["']?([^\\s"',;&}]{4,})`, 'gi'),
    group: 1,
    valid: (value) =>
      !/^<[A-Z_]+_\d+>$/.test(value) &&
      !/^(?:null|undefined|true|false|\*+|redacted|bearer|basic)$/i.test(value),
  },
  {
    type: 'EMAIL',
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
  },
  {
    type: 'IBAN',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    valid: ibanValid,
  },
  { type: 'CARD', pattern: /(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d.])/g, valid: luhnValid },
  { type: 'SSN', pattern: /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g, valid: ssnValid },
  {
    type: 'NINO',
    pattern: /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/gi,
    valid: (value) => !NINO_BAD_PREFIXES.has(value.slice(0, 2).toUpperCase()),
  },
  {
    type: 'IPV6',
    pattern:
      /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g,
    valid: (value) => value.length > 2 && isIPv6(value) && /[0-9A-Fa-f]/.test(value),
  },
  {
    type: 'IPV4',
    pattern:
      /(?<![\d.vV])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d.])/g,
  },
  {
    // International (+44 20 7946 0958, +1-415-555-0100), North American ((415) 555-0100) and
    // national trunk-prefixed (020 7946 0958) numbers; bare digit runs are ids, not phones.
    type: 'PHONE',
    pattern:
      /(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|\(\d{3}\) ?\d{3}[ .-]\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4}|\b0\d{2,4}[ -]\d{3,4}[ -]?\d{3,4})(?![\w-])/g,
    valid: (value) => {
      const digits = digitsOf(value).length;
      return digits >= 9 && digits <= 15;
    },
  },
];

/**
 * Finds the sensitive values in `text`, without overlaps (an earlier detector wins), in order.
 */
export const scan = (text: string): Finding[] => {
  const findings: Finding[] = [];
  const taken = (start: number, end: number) =>
    findings.some((finding) => start < finding.end && end > finding.start);
  for (const detector of DETECTORS) {
    for (const match of text.matchAll(detector.pattern)) {
      const group = detector.group ?? 0;
      const value = match[group];
      if (value === undefined || match.index === undefined) continue;
      const start = match.index + (group === 0 ? 0 : match[0].indexOf(value));
      const end = start + value.length;
      if (taken(start, end)) continue;
      if (detector.valid && !detector.valid(value)) continue;
      findings.push({ type: detector.type, start, end, value });
    }
  }
  return findings.sort((a, b) => a.start - b.start);
};

/** Counts of placeholders handed out, by type. */
export type RedactionCounts = Partial<Record<string, number>>;

/**
 * Redacts text for one incident. The value → placeholder map lives in this object only (memory of
 * one invocation); it is never logged or stored.
 */
export class Redactor {
  private readonly placeholders = new Map<string, string>();
  private readonly next = new Map<string, number>();
  /** Values another detector found (Comprehend): redacted wherever they appear again. */
  private readonly learned = new Map<string, PiiType>();

  /**
   * Remembers the values of findings made outside the rules (Comprehend on one log line), so
   * every later `redact` replaces them wherever they appear: in a summary that quotes the line,
   * or in another piece of evidence.
   */
  learn(findings: readonly Finding[]): void {
    for (const { type, value } of findings) if (value.trim() !== '') this.learned.set(value, type);
  }

  /** Where the learned values occur in `text`. */
  private learnedIn(text: string): Finding[] {
    const found: Finding[] = [];
    for (const [value, type] of this.learned) {
      for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + value.length))
        found.push({ type, start: at, end: at + value.length, value });
    }
    return found;
  }

  /** The placeholder of a value of `type`: the same for the same value, new for a new one. */
  placeholder(type: PiiType, value: string): string {
    const key = `${type}\u0000${value}`;
    const known = this.placeholders.get(key);
    if (known !== undefined) return known;
    const n = (this.next.get(type) ?? 0) + 1;
    this.next.set(type, n);
    const created = `<${type}_${n}>`;
    this.placeholders.set(key, created);
    return created;
  }

  /** `text` with every finding replaced by its placeholder. */
  redact(text: string, extra: readonly Finding[] = []): string {
    const findings = [...scan(text)];
    for (const finding of [...extra, ...this.learnedIn(text)]) {
      if (!findings.some((known) => finding.start < known.end && finding.end > known.start))
        findings.push(finding);
    }
    findings.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const finding of findings) {
      out += text.slice(at, finding.start) + this.placeholder(finding.type, finding.value);
      at = finding.end;
    }
    return out + text.slice(at);
  }

  /** Every string in a JSON value redacted (keys kept), for evidence data. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.redactValue(item)]),
      ) as T;
    }
    return value;
  }

  /** How many distinct values of each type were replaced. */
  counts(): RedactionCounts {
    return Object.fromEntries(this.next);
  }
}
