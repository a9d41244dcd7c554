// Types of harness.mjs, for the tests in src/ that import it.
import type { ChildProcess } from 'node:child_process';

export const repoRoot: string;
export const uaiBin: string;
export const registryHost: string;
/** UHUB_PASSWORD the tests give uai. */
export const password: string;
export const username: string;

export interface Project {
  dir: string;
  home: string;
  /** TMPDIR of uai: where its temporary Docker config lives. */
  tmp: string;
  /** The fake docker's counters and what `docker login` read on stdin. */
  state: string;
  /** Holds `docker` (the fake) unless made without it. */
  binDir: string;
  /** One line per docker call (`call <pid> <DOCKER_CONFIG> <argv>`) and per hanging child (`child <pid>`). */
  log: string;
  imageRef(model: string): string;
  remove(): Promise<void>;
}

export interface ProjectOptions {
  models: string[];
  concurrency?: number;
  /** Folder to make the project in (a small tmpfs for disk-full tests). @default os.tmpdir() */
  parent?: string;
  /** Put the fake docker on PATH. @default true */
  docker?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when uai exited. */
  at: number;
}

export interface RunningUai {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

export interface UaiResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface DockerCall {
  pid: number;
  /** DOCKER_CONFIG the call ran with, or 'none'. */
  config: string;
  argv: string;
}

export interface JsonModel {
  name: string;
  status: string;
  digest: string | null;
  error: { step: string; code: string; message: string } | null;
}

export function createProject(options: ProjectOptions): Promise<Project>;
export function uaiEnv(project: Project, extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
export function startUai(project: Project, args: string[], env?: Record<string, string | undefined>, cwd?: string): RunningUai;
export function runUai(project: Project, args: string[], env?: Record<string, string | undefined>, cwd?: string): Promise<UaiResult>;
export function dockerCalls(project: Project): Promise<DockerCall[]>;
/** Pids of every process the fake docker started: the docker processes and their `sleep` children. */
export function dockerPids(project: Project): Promise<number[]>;
/** Pids of the `sleep` children of hanging docker calls. */
export function hangingPids(project: Project): Promise<number[]>;
/** Alive and not a zombie. */
export function isAlive(pid: number): boolean;
export function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs?: number): Promise<T>;
/** Temporary files uai must never leave: its Docker config in TMPDIR, half-assembled build folders. */
export function leftovers(project: Project): Promise<string[]>;
/** The --json document uai printed, by model name. */
export function jsonModels(stdout: string): Record<string, JsonModel>;
