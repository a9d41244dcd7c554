import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batchPlainOutput } from './batched-output.js';

/** Two streams writing into one log, as `2>&1` does; each write call is one entry. */
function streams(isTTY = false) {
  const calls: string[] = [];
  const stream = (name: string) =>
    ({
      isTTY,
      write(chunk: string, done?: (error?: Error | null) => void) {
        calls.push(`${name}:${chunk}`);
        done?.();
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  return { calls, out: stream('out'), err: stream('err') };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('batchPlainOutput', () => {
  it('writes a turn of lines at once, in the order they were written across stdout and stderr', async () => {
    const { calls, out, err } = streams();
    const restore = batchPlainOutput([out, err]);
    try {
      let called = 0;
      err.write('❯ m0\n');
      err.write('✔ m0\n', () => called++);
      out.write('upload docker images successful. images:m0\n');
      err.write('❯ m1\n');
      expect(calls).toEqual([]);
      await nextTurn();
      expect(calls).toEqual(['err:❯ m0\n✔ m0\n', 'out:upload docker images successful. images:m0\n', 'err:❯ m1\n']);
      expect(called).toBe(1);
    } finally {
      restore();
    }
  });

  it('leaves a terminal alone (the live list draws there)', () => {
    const { calls, err } = streams(true);
    const restore = batchPlainOutput([err]);
    err.write('now\n');
    expect(calls).toEqual(['err:now\n']);
    restore();
  });

  it('writes bytes at once, after what is queued', () => {
    const { calls, err } = streams();
    const restore = batchPlainOutput([err]);
    err.write('text\n');
    err.write(Buffer.from('bytes\n') as unknown as string);
    expect(calls.map((call) => call.replace(/\n/g, '|'))).toEqual(['err:text|', 'err:bytes|']);
    restore();
  });

  it('loses nothing when the process exits before the next turn, nor what exit handlers write', () => {
    const module = fileURLToPath(new URL('../dist/batched-output.js', import.meta.url));
    const script = [
      `const { batchPlainOutput } = await import(${JSON.stringify(module)});`,
      'batchPlainOutput();',
      'for (let i = 0; i < 3; i++) { process.stderr.write(`progress ${i}\\n`); process.stdout.write(`result ${i}\\n`); }',
      "process.on('exit', () => process.stderr.write('said at exit\\n'));",
      'process.exit(3);',
    ].join('\n');
    const child = spawnSync('sh', ['-c', `"${process.execPath}" --input-type=module -e "$SCRIPT" 2>&1`], {
      env: { ...process.env, SCRIPT: script },
      encoding: 'utf8',
    });
    expect(child.status).toBe(3);
    expect(child.stdout.split('\n').filter(Boolean)).toEqual(['progress 0', 'result 0', 'progress 1', 'result 1', 'progress 2', 'result 2', 'said at exit']);
  });
});
