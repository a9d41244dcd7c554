import { execa } from 'execa';

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin (a password for `docker login --password-stdin`), never to argv. */
  input?: string;
  signal?: AbortSignal;
  cwd?: string;
  /** Called for each line the child prints, on stdout or stderr. */
  onLine?: (line: string) => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The child was stopped by `signal`. */
  aborted: boolean;
  /** The program was not found. */
  notFound: boolean;
}

/**
 * The one place that starts processes. Never throws for a failing child: callers read the exit code
 * and output and turn them into a message the user can act on.
 */
export async function runProcess(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const child = execa(file, args, {
    env: options.env,
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    cancelSignal: options.signal,
    // Docker may leave a child running after a SIGTERM: escalate so Ctrl-C really stops everything.
    forceKillAfterDelay: 3000,
    cwd: options.cwd,
    reject: false,
    stripFinalNewline: true,
    lines: false,
    stdout: ['pipe', ...(options.onLine ? [lineTransform(options.onLine)] : [])],
    stderr: ['pipe', ...(options.onLine ? [lineTransform(options.onLine)] : [])],
  });
  const result = await child;
  const failure = result as { code?: string; isCanceled?: boolean };
  return {
    exitCode: result.exitCode ?? (result.signal ? 128 : 1),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    aborted: Boolean(failure.isCanceled),
    notFound: failure.code === 'ENOENT',
  };
}

function lineTransform(onLine: (line: string) => void) {
  return function* (line: unknown) {
    onLine(String(line));
    yield line;
  };
}
