// @ts-check
// Runs programs for the e2e harness and the demo. Secrets go on stdin (`input`), never in argv.
import { spawn } from 'node:child_process';

/**
 * @typedef {{ code: number, stdout: string, stderr: string }} RunResult
 * @typedef {{ env?: NodeJS.ProcessEnv, cwd?: string, input?: string, timeoutMs?: number }} RunOptions
 */

/**
 * Runs `file args` to completion; never throws for a non-zero exit (callers assert on it).
 * @param {string} file
 * @param {readonly string[]} args
 * @param {RunOptions} [options]
 * @returns {Promise<RunResult>}
 */
export function run(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer = options.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          stderr += `\n[killed after ${options.timeoutMs} ms]`;
        }, options.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/**
 * Like `run`, but a non-zero exit is an error that shows what the program printed.
 * @param {string} file
 * @param {readonly string[]} args
 * @param {RunOptions} [options]
 */
export async function runOk(file, args, options = {}) {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`.trim());
  }
  return result;
}

/**
 * The Docker CLI with its own config folder, so the harness never reads or writes the user's logins.
 * @param {string | undefined} configDir
 * @param {readonly string[]} args
 * @param {RunOptions} [options]
 */
export function docker(configDir, args, options = {}) {
  return runOk('docker', configDir ? ['--config', configDir, ...args] : [...args], options);
}
