import { describe, expect, it } from 'vitest';
import { chooseRenderer, writeLine } from './output.js';

describe('chooseRenderer', () => {
  const tty = { isTTY: true };
  const piped = { isTTY: false };
  const cases = [
    { name: 'a terminal', env: {}, stream: tty, expected: 'live' },
    { name: 'a pipe', env: {}, stream: piped, expected: 'plain' },
    { name: 'a stream that does not say', env: {}, stream: {}, expected: 'plain' },
    { name: 'CI=true on a terminal', env: { CI: 'true' }, stream: tty, expected: 'plain' },
    { name: 'CI=1 on a terminal', env: { CI: '1' }, stream: tty, expected: 'plain' },
    { name: 'CI=false on a terminal', env: { CI: 'false' }, stream: tty, expected: 'live' },
    { name: 'an empty CI on a terminal', env: { CI: '' }, stream: tty, expected: 'live' },
    { name: 'TERM=dumb', env: { TERM: 'dumb' }, stream: tty, expected: 'plain' },
    { name: 'TERM=xterm-256color', env: { TERM: 'xterm-256color' }, stream: tty, expected: 'live' },
    { name: 'VITEST on a terminal', env: { VITEST: 'true' }, stream: tty, expected: 'plain' },
    { name: 'NODE_ENV=test on a terminal', env: { NODE_ENV: 'test' }, stream: tty, expected: 'plain' },
  ];

  it.each(cases)('$name -> $expected', ({ env, stream, expected }) => {
    expect(chooseRenderer(env, stream)).toBe(expected);
  });
});

describe('writeLine', () => {
  it.each([
    { text: 'built image x', expected: 'built image x\n' },
    { text: 'already ended\n', expected: 'already ended\n' },
    { text: '', expected: '\n' },
  ])('writes $text as one line', ({ text, expected }) => {
    const written: string[] = [];
    writeLine({ write: (chunk: string) => written.push(chunk) } as unknown as NodeJS.WritableStream, text);
    expect(written).toEqual([expected]);
  });
});
