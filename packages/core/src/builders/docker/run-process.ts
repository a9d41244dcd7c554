// execa is imported on first use: its module graph (about a hundred files) is a large share of start-up,
// which a run that starts no process (the native builder, --dry-run) should not pay.
let execaModule: Promise<typeof import('execa')> | undefined;
const loadExeca = () => (execaModule ??= import('execa'));

export interface RunOptions {
  /** Merged over process.env; a key set to undefined is left out of the child's environment. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin (a password for `docker login --password-stdin`), never to argv. */
  input?: string;
  signal?: AbortSignal;
  cwd?: string;
  /** Called for each line the child prints, on stdout or stderr. */
  onLine?: (line: string) => void;
  /** After `signal` aborts, how long the child has to exit on SIGTERM before SIGKILL. @default 3000 */
  killAfterMs?: number;
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

/** Process groups of the children running now: killed if `uai` exits before they do (a second Ctrl-C). */
const runningGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid is the whole group: the child and whatever it started.
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of runningGroups) killGroup(pid, 'SIGKILL');
  });
}

/**
 * Stops the child's process group when `signal` aborts: SIGTERM, then SIGKILL if it is still there
 * after `killAfterMs` (a docker that ignores SIGTERM must not keep `uai` waiting). Returns the cleanup.
 */
function stopOnAbort(pid: number, signal: AbortSignal | undefined, killAfterMs: number): () => void {
  runningGroups.add(pid);
  installExitHook();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    killGroup(pid, 'SIGTERM');
    timer = setTimeout(() => killGroup(pid, 'SIGKILL'), killAfterMs);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(timer);
    runningGroups.delete(pid);
  };
}

/**
 * The one place that starts processes. Never throws for a failing child: callers read the exit code
 * and output and turn them into a message the user can act on.
 */
export async function runProcess(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (options.signal?.aborted) return { exitCode: 130, stdout: '', stderr: '', aborted: true, notFound: false };
  const { execa } = await loadExeca();
  const child = execa(file, args, {
    env: options.env,
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    // A group of its own, so stopping it reaches what it started too (a CLI plugin such as buildx, a
    // wrapper script's children): killing the child alone would leave them running and holding its output.
    detached: true,
    cwd: options.cwd,
    reject: false,
    stripFinalNewline: true,
    lines: false,
    stdout: ['pipe', ...(options.onLine ? [lineTransform(options.onLine)] : [])],
    stderr: ['pipe', ...(options.onLine ? [lineTransform(options.onLine)] : [])],
  });
  const cleanup = child.pid === undefined ? () => {} : stopOnAbort(child.pid, options.signal, options.killAfterMs ?? 3000);
  try {
    const result = await child;
    const failure = result as { code?: string };
    const exitCode = result.exitCode ?? (result.signal ? 128 : 1);
    return {
      exitCode,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      // A child that finished its work just as the stop came is not a stopped one.
      aborted: Boolean(options.signal?.aborted) && exitCode !== 0,
      notFound: failure.code === 'ENOENT',
    };
  } finally {
    cleanup();
  }
}

function lineTransform(onLine: (line: string) => void) {
  return function* (line: unknown) {
    onLine(String(line));
    yield line;
  };
}
