// @ts-check
// The stand-in UAI base image (test/standin-base): built once per content with the real engine, then
// pushed to a registry under every catalog name (uaishare/...), so `uai build` pulls it like UHub's.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker, run, runOk } from './exec.mjs';
import { standinDir } from './paths.mjs';

export const standinRepository = 'uai-standin-base';

/** Throws unless `file` is a statically linked ELF: the image has no libc. */
function assertStatic(file) {
  const elf = readFileSync(file);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) throw new Error(`${file} is not a 64-bit ELF binary`);
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (elf.readUInt32LE(phoff + i * phentsize) === 3 /* PT_INTERP */) {
      throw new Error(`${file} is dynamically linked; the stand-in needs Debian's busybox-static (apt-get install busybox-static)`);
    }
  }
}

/** Where busybox is: the first on PATH. */
async function findBusybox() {
  const found = await run('sh', ['-c', 'command -v busybox']);
  const file = found.stdout.trim();
  if (found.code !== 0 || !file) throw new Error("busybox not found; install Debian's busybox-static");
  return file;
}

/** Hash of a folder's paths, modes, link targets and contents: the image tag, so a change rebuilds it. */
function hashTree(dir) {
  const hash = createHash('sha256');
  const walk = (relative) => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      const rel = path.join(relative, name);
      const full = path.join(dir, rel);
      const info = lstatSync(full);
      hash.update(`${rel}\0${info.mode & 0o7777}\0`);
      if (info.isSymbolicLink()) hash.update(`link:${readlinkSync(full)}\0`);
      else if (info.isDirectory()) walk(rel);
      else hash.update(readFileSync(full));
    }
  };
  walk('');
  return hash.digest('hex').slice(0, 16);
}

/** Assembles the build context: Dockerfile, rootfs/ from the repository, busybox and its applet links. */
async function assembleContext() {
  const busybox = await findBusybox();
  assertStatic(busybox);
  const context = mkdtempSync(path.join(os.tmpdir(), 'uai-standin-'));
  const rootfs = path.join(context, 'rootfs');
  cpSync(path.join(standinDir, 'Dockerfile'), path.join(context, 'Dockerfile'));
  cpSync(path.join(standinDir, 'rootfs'), rootfs, { recursive: true });
  // git keeps the x bit, but a copy made by other means might not.
  for (const script of ['usr/bin/gunicorn', 'usr/lib/uai-standin/handler']) chmodSync(path.join(rootfs, script), 0o755);
  mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  mkdirSync(path.join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
  chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  cpSync(busybox, path.join(rootfs, 'bin/busybox'));
  // Links where busybox would install them (bin/sh, usr/bin/tr, ...); files of ours win.
  const applets = (await runOk(busybox, ['--list-full'])).stdout.split('\n').filter(Boolean);
  for (const applet of applets) {
    const target = path.join(rootfs, applet);
    if (applet === 'bin/busybox' || existsSync(target)) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync('/bin/busybox', target);
  }
  return context;
}

/**
 * Builds the stand-in image unless one of the same content exists; returns its local tag.
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function buildStandin(options = {}) {
  const context = await assembleContext();
  try {
    const tag = `${standinRepository}:${hashTree(context)}`;
    const exists = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]);
    if (exists.code !== 0) {
      options.log?.(`building the stand-in base image ${tag}`);
      await runOk('docker', ['build', '--quiet', '--tag', tag, context]);
    }
    return tag;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * Logs in with the harness's own Docker config and pushes `standin` as `<host>/<image>` for each image,
 * then drops those local tags so a build must pull the base from the registry, with credentials.
 * @param {{ standin: string, registry: { host: string, username: string, password: string }, dockerConfig: string, images: readonly string[], log?: (line: string) => void }} options
 */
export async function pushStandins({ standin, registry, dockerConfig, images, log }) {
  await docker(dockerConfig, ['login', '--username', registry.username, '--password-stdin', registry.host], {
    input: registry.password,
  });
  const remote = images.map((image) => `${registry.host}/${image}`);
  for (const ref of remote) await docker(dockerConfig, ['tag', standin, ref]);
  const push = async (ref) => {
    log?.(`pushing ${ref}`);
    await docker(dockerConfig, ['push', ref]);
  };
  // The first push uploads the layer; the rest only mount it, a few at a time.
  const [first, ...queue] = remote;
  if (first) await push(first);
  const worker = async () => {
    for (let ref = queue.shift(); ref; ref = queue.shift()) await push(ref);
  };
  await Promise.all([worker(), worker(), worker()]);
  await docker(dockerConfig, ['rmi', ...remote]);
  return remote;
}
