// The length boundary of `redact`: a secret of 3 characters is masked in every form it takes in
// output (as is, JSON-escaped, URL-encoded, inside base64 wherever it falls in the encoded value and
// whatever is glued before that value); one of 2 characters is left alone everywhere. A change to the
// `>= 3` rule, or to the loop that tries the four alignments of a base64 run, fails here.
import { describe, expect, it } from 'vitest';
import { redact } from './redact.js';

/** 3 characters, one of each kind JSON (`"`) and URLs (`/`) escape, so every form differs from the raw one. */
const three = 'a"/';
/** 2 characters, the same kinds. */
const two = '"/';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

describe('a 3-character secret', () => {
  it('is masked as it is', () => {
    expect(redact(`password=${three} end`, [three])).toBe('password=*** end');
  });

  it('is masked JSON-escaped', () => {
    const json = JSON.stringify({ password: three });
    expect(json).toContain('a\\"/');
    expect(redact(json, [three])).toBe('{"password":"***"}');
  });

  it('is masked URL-encoded', () => {
    const url = `https://me:${encodeURIComponent(three)}@uhub.example.com/v2/`;
    expect(url).toContain('a%22%2F');
    expect(redact(url, [three])).toBe('https://me:***@uhub.example.com/v2/');
  });

  // Base64 puts 3 bytes in 4 characters: the secret starts at byte 0, 1 or 2 of a group depending on
  // what comes before it in the encoded value, and text glued before the value (no space) shifts the
  // groups by 0 to 3 characters. Every one of the 12 combinations, with and without padding, and URL-safe.
  const before = ['me:', 'you:', 'them:']; // 3, 4, 5 bytes: the secret at byte 0, 1, 2 of its group
  const after = ['', '@', '@h']; // 0, 1, 2 bytes after it: padding "", "==" or "="
  const glue = ['', 'x', 'xy', 'xyz'];
  const cases = before.flatMap((b) => after.flatMap((a) => glue.map((g) => ({ before: b, after: a, glue: g }))));

  it.each(cases)('is masked in base64 of $before<secret>$after glued after $glue', ({ before, after, glue }) => {
    const encoded = b64(`${before}${three}${after}`);
    expect(redact(`auth ${glue}${encoded} end`, [three])).toBe('auth *** end');
    const unpadded = encoded.replace(/=+$/, '');
    expect(redact(`auth ${glue}${unpadded} end`, [three])).toBe('auth *** end');
    expect(redact(`auth ${glue}${b64url(`${before}${three}${after}`)} end`, [three])).toBe('auth *** end');
  });

  it('is masked in a Basic auth header and a Docker config.json', () => {
    const header = `Authorization: Basic ${b64(`someone:${three}`)}`;
    expect(redact(header, [three])).toBe('Authorization: Basic ***');
    const config = JSON.stringify({ auths: { 'uhub.example.com': { auth: b64(`someone@example.com:${three}`) } } });
    expect(redact(config, [three])).toBe('{"auths":{"uhub.example.com":{"auth":"***"}}}');
  });

  // A 3-character secret's base64 alone is 4 characters, and 1 or 2 bytes around it make 6 or 7
  // (plus padding): a base64 run is looked into from 4 characters (`base64Run` in redact.ts), so even
  // these short runs are decoded and masked, as the doc comment promises ("base64-encoded, alone").
  it.each([
    { name: 'alone', value: three },
    { name: 'with one byte before', value: `u${three}` },
    { name: 'with one byte after', value: `${three}x` },
    { name: 'as u:<secret> (a Basic header of a one-letter user)', value: `u:${three}` },
    { name: 'as <secret>xy', value: `${three}xy` },
  ])('is masked in base64 $name, however short the value', ({ value }) => {
    expect(redact(`auth ${b64(value)} end`, [three])).toBe('auth *** end');
    expect(redact(`auth x${b64(value)} end`, [three])).toBe('auth *** end');
  });
});

describe('a 2-character secret', () => {
  it('is left alone in every form', () => {
    const text = [
      `password=${two}`,
      JSON.stringify({ password: two }),
      `https://me:${encodeURIComponent(two)}@uhub.example.com/`,
      `Basic ${b64(`someone:${two}`)}`,
      `x${b64(`them:${two}@h`)}`,
      b64url(`you:${two}`),
    ].join('\n');
    // The forms are really there: a rule that took 2 characters would mask each of them.
    expect(text).toContain('\\"/');
    expect(text).toContain('%22%2F');
    expect(redact(text, [two])).toBe(text);
  });

  it('is left alone while a 3-character one in the same text is masked', () => {
    expect(redact(`${two} ${three} ${b64(`me:${two}`)} ${b64(`me:${three}`)}`, [two, three])).toBe(`${two} *** ${b64(`me:${two}`)} ***`);
  });
});
