// Ctrl-C during a native upload: `uai build --builder native` pushing a model with 200 MB of random
// weights (sent in 128 MiB PATCHes) to a real registry (Debian's docker-registry, our own here so that
// its storage can be looked at) is interrupted while the weights are going up. It must exit 130
// promptly and push no tag, and it should leave no upload session open: every session a POST opened
// ends with a DELETE or a completing PUT.
//
// A proxy in front of the registry sees every request and holds the weights' upload at one of two
// points, so the signal always lands mid-upload:
// - mid-body: the first PATCH stops being read after 8 MB, which the registry has already written;
// - between chunks: the first PATCH (128 MiB) goes through, the second is held before any of it reaches
//   the registry, so the session's last Location names exactly what the registry holds.
// Distribution only honours a DELETE whose `_state` names the offset it holds (ResumeBlobUpload closes
// the writer before Cancel, so a DELETE after a partly received PATCH gets 404 and removes nothing): the
// registry's storage (`repositories/<name>/_uploads/`) can be checked between chunks only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { uaiBin } from './support/paths.mjs';
import { createProject, type Project } from './support/project.js';
import { startRegistry, type Registry } from './support/registry.mjs';
import { freePort, waitFor } from './support/wait.mjs';

const shared = e2eContext();
const base = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';
const MiB = 1024 * 1024;
const weightsBytes = 200 * MiB;
/** A PATCH or PUT with a body at least this big carries the weights (the base and code layers are a few MB). */
const bigBody = 32 * MiB;
/** Mid-body: bytes of the first PATCH let through before the proxy stops reading it. */
const holdAfter = 8 * MiB;

type HoldAt = 'mid-body' | 'between chunks';

interface Seen {
  method: string;
  path: string;
  /** The registry's status; `held` for a request never forwarded; `cut` when the client went away first. */
  outcome: string;
  location?: string;
  forwarded: number;
}

interface WatchProxy {
  host: string;
  seen: Seen[];
  /** Resolves with the weights' request once the proxy holds it. */
  held: Promise<Seen>;
  stop(): Promise<void>;
}

/** A proxy on 127.0.0.1 that forwards everything as is (Host header included), records it, and holds the weights' upload. */
async function startWatchProxy(upstream: Registry, holdAt: HoldAt): Promise<WatchProxy> {
  const seen: Seen[] = [];
  let markHeld: (entry: Seen) => void = () => {};
  const held = new Promise<Seen>((resolve) => (markHeld = resolve));
  let bigRequests = 0;
  const server = http.createServer((req, res) => {
    const entry: Seen = { method: req.method ?? 'GET', path: req.url ?? '/', outcome: 'pending', forwarded: 0 };
    seen.push(entry);
    const big = ['PATCH', 'PUT'].includes(entry.method) && /\/blobs\/uploads\//.test(entry.path) && Number(req.headers['content-length']) >= bigBody;
    const index = big ? bigRequests++ : -1;
    if (holdAt === 'between chunks' && index === 1) {
      // Nothing of it reaches the registry: it holds what the first PATCH's Location says.
      entry.outcome = 'held';
      req.pause();
      res.on('close', () => (entry.outcome = 'cut'));
      markHeld(entry);
      return;
    }
    const holdThis = holdAt === 'mid-body' && index === 0;
    let holding = false;
    const forward = http.request({ host: '127.0.0.1', port: upstream.port, method: entry.method, path: entry.path, headers: req.headers }, (answer) => {
      entry.outcome = String(answer.statusCode);
      if (answer.headers.location) entry.location = answer.headers.location;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    // The client went away before its answer: the registry sees its connection cut too.
    res.on('close', () => {
      if (res.writableFinished) return;
      if (entry.outcome === 'pending') entry.outcome = 'cut';
      forward.destroy();
    });
    req.on('data', (chunk: Buffer) => {
      entry.forwarded += chunk.length;
      if (!forward.write(chunk)) {
        req.pause();
        forward.once('drain', () => holding || req.resume());
      }
      if (holdThis && !holding && entry.forwarded >= holdAfter) {
        holding = true;
        req.pause(); // the client's writes back up: the upload is in flight until it gives up
        markHeld(entry);
      }
    });
    req.on('end', () => forward.end());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    seen,
    held,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The upload session a request or Location is about: the id in `/blobs/uploads/<id>`. */
const sessionOf = (url: string): string | undefined => /\/blobs\/uploads\/([^/?]+)/.exec(new URL(url, 'http://x').pathname)?.[1];

/** Random bytes (nothing to compress or deduplicate), written in 8 MB pieces. */
async function writeRandom(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  for (let left = bytes; left > 0; left -= 8 * MiB) {
    if (!out.write(randomBytes(Math.min(left, 8 * MiB)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface InterruptedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  output: string;
  held: Seen;
}

/** Runs `uai build --builder native --json` through the proxy and sends SIGINT once the proxy holds the weights. */
async function interruptedBuild(project: Project, proxy: WatchProxy, target: Registry): Promise<InterruptedRun> {
  const child = spawn(process.execPath, [uaiBin, 'build', '--builder', 'native', '--json'], {
    cwd: project.dir,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_|XDG_)/.test(key))),
      HOME: project.home,
      DOCKER_CONFIG: project.dockerConfig,
      DOCKER_HOST: 'unix:///nonexistent/uai-e2e-no-engine.sock',
      TMPDIR: project.tmp,
      CI: 'true',
      UAI_REGISTRY_HOST: proxy.host,
      UHUB_USERNAME: target.username,
      UHUB_PASSWORD: target.password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  let timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  try {
    const held = await Promise.race([
      proxy.held,
      exited.then(({ code }) => {
        throw new Error(`uai exited (${code}) before the weights went up:\n${output}`);
      }),
    ]);
    child.kill('SIGINT');
    // A run that does not stop is killed, and fails on its status, without waiting for the held upload.
    clearTimeout(timer);
    timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const { code, signal } = await exited;
    return { code, signal, stdout, output, held };
  } finally {
    clearTimeout(timer);
  }
}

let target: Registry;
beforeAll(async () => {
  target = await startRegistry();
});
afterAll(async () => {
  await target?.stop();
});

describe.each([
  { holdAt: 'mid-body' as const, namespace: 'uai_interrupt_mid' },
  { holdAt: 'between chunks' as const, namespace: 'uai_interrupt_between' },
])('Ctrl-C while the native builder uploads 200 MB of weights ($holdAt)', ({ holdAt, namespace }) => {
  let proxy: WatchProxy;
  let project: Project;
  let run: InterruptedRun;
  const repository = `${namespace}/caffe-big`;

  beforeAll(async () => {
    proxy = await startWatchProxy(target, holdAt);
    project = await createProject({ namespace, models: [{ name: 'big', image: 'caffe-big:e2e', override: { baseImage: `${shared.host}/${base}` } }] });
    // The base comes from the shared registry, with what `docker login` would have stored for it.
    await mkdir(project.dockerConfig, { recursive: true });
    const auth = Buffer.from(`${shared.username}:${shared.password}`).toString('base64');
    await writeFile(path.join(project.dockerConfig, 'config.json'), JSON.stringify({ auths: { [shared.host]: { auth } } }));
    await writeRandom(path.join(project.dir, 'models/big/checkpoint_dir/weights.bin'), weightsBytes);
    run = await interruptedBuild(project, proxy, target);
  });

  afterAll(async () => {
    await proxy?.stop();
    await project?.remove();
  });

  it('was interrupted mid-upload, exits 130 and pushes no tag', async () => {
    if (holdAt === 'mid-body') expect(run.held.forwarded).toBeGreaterThanOrEqual(holdAfter);
    else expect(run.held.forwarded).toBe(0);
    expect({ code: run.code, signal: run.signal }, run.output).toEqual({ code: 130, signal: null });
    expect(run.output).toMatch(/interrupted/i);
    const model = (JSON.parse(run.stdout) as { models: { status: string; error: { code: string } | null }[] }).models[0]!;
    expect(model).toMatchObject({ status: 'cancelled', error: { code: 'UAI_CANCELLED' } });
    expect(proxy.seen.filter((r) => r.method === 'PUT' && /\/manifests\//.test(r.path))).toEqual([]);
    const tag = await fetch(`${target.url}/v2/${repository}/manifests/e2e`, {
      headers: { authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}` },
    });
    expect(tag.status).toBe(404);
  });

  // Without it the weights' session (and what it holds) stays on the registry until it purges stale
  // uploads (distribution: after a week). Docker leaves it (its blob writer's Close() sends nothing);
  // uai sends a DELETE of the session on a short timeout of its own.
  it('ends every upload session it opened with a DELETE or a completing PUT', async () => {
    const opened = proxy.seen.filter((r) => r.method === 'POST' && r.outcome === '202' && r.location).map((r) => sessionOf(r.location!)!);
    expect(opened).toContain(sessionOf(run.held.path));
    const ended = new Set(proxy.seen.filter((r) => r.method === 'DELETE' || (r.method === 'PUT' && r.outcome === '201')).map((r) => sessionOf(r.path)));
    expect(
      opened.filter((id) => !ended.has(id)),
      'sessions neither deleted nor completed',
    ).toEqual([]);
    // The DELETE names the session's last Location (its `_state`), the one the registry answered with.
    const weightsDelete = proxy.seen.find((r) => r.method === 'DELETE' && sessionOf(r.path) === sessionOf(run.held.path))!;
    const lastLocation = proxy.seen.filter((r) => r.location && sessionOf(r.location) === sessionOf(run.held.path)).at(-1)!.location!;
    expect(new URL(weightsDelete.path, 'http://x').search).toBe(new URL(lastLocation).search);
  });

  if (holdAt === 'between chunks') {
    // Same reason as above; between chunks the registry can honour the DELETE, so its storage shows it.
    // An open session is an `_uploads/<id>/` with its `startedat` (and `data`); distribution 2.8 leaves a
    // `hashstates/` folder behind even after a DELETE it answered 204 (it stores the hash state again
    // once the handler is done), which is no session: it answers BLOB_UPLOAD_UNKNOWN for that id.
    it('leaves no upload session open in the registry', async () => {
      // One PATCH of the weights went through: the registry had a session with 128 MiB in it.
      const weightsPatches = proxy.seen.filter((r) => r.method === 'PATCH' && sessionOf(r.path) === sessionOf(run.held.path));
      expect(weightsPatches.filter((r) => r.outcome === '202')).toHaveLength(1);
      const uploads = path.join(target.dir, 'storage/docker/registry/v2/repositories', repository, '_uploads');
      const open = async () => {
        const found: string[] = [];
        for (const id of await readdir(uploads).catch((): string[] => [])) {
          const files = await readdir(path.join(uploads, id)).catch((): string[] => []);
          if (files.includes('startedat') || files.includes('data')) found.push(`${id}: ${files.join(', ')}`);
        }
        return found;
      };
      await waitFor('the registry to drop the session', async () => ((await open()).length === 0 ? true : undefined), { timeoutMs: 5_000 }).catch(
        async (error: Error) => {
          throw new Error(`${error.message}: ${JSON.stringify(await open())} left in ${uploads}`);
        },
      );
      // And the registry says so: the weights' session, at the Location it last gave, is unknown.
      const lastLocation = proxy.seen.filter((r) => r.location && sessionOf(r.location) === sessionOf(run.held.path)).at(-1)!.location!;
      const status = await fetch(new URL(new URL(lastLocation).pathname + new URL(lastLocation).search, target.url), {
        headers: { authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}` },
      });
      expect(status.status).toBe(404);
      expect(((await status.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('BLOB_UPLOAD_UNKNOWN');
    });
  }
});
