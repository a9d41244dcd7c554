// What the bench's modules share, in one place: the options read from the environment once (see the
// header of bench/run.mjs), and the state main sets up before any scenario runs. No other module keeps
// state of its own, except report.mjs's list of results.
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const MB = 1024 * 1024;
export const log = (line) => process.stderr.write(`[bench] ${line}\n`);

const small = process.env.BENCH_SIZE === 'small';

/** The options of this run, from the environment. */
export const options = {
  small,
  /** BENCH_ONLY: the ids of the scenarios to run; undefined for all. */
  only: process.env.BENCH_ONLY?.split(','),
  sizes: small
    ? {
        a: 20 * MB,
        perModel: 256 * 1024,
        parallel: 4 * MB,
        rssSmall: 10 * MB,
        rssBig: 100 * MB,
        batch: 20,
        batchTotal: 20 * MB,
        dryRunModels: 100,
        far: 2 * MB,
      }
    : {
        a: 400 * MB,
        perModel: 1 * MB,
        parallel: 50 * MB,
        rssSmall: 200 * MB,
        rssBig: 2048 * MB,
        batch: 200,
        batchTotal: 400 * MB,
        dryRunModels: 1000,
        far: 4 * MB,
      },
  /** Runs of each timed contender: the registry's ingest is noisy, medians are compared. */
  reps: Number(process.env.BENCH_REPS ?? (small ? 1 : 3)),
  /** Whether BENCH_REPS was given (the results say so in their command line). */
  repsGiven: Boolean(process.env.BENCH_REPS),
  keepCa: process.env.BENCH_KEEP_CA === '1',
  skipDocker: process.env.BENCH_SKIP_DOCKER === '1',
  out: process.env.BENCH_OUT,
  tmp: process.env.BENCH_TMP ?? os.tmpdir(),
};

/**
 * Set by main before any scenario runs: the registry started for this run ({ host, url, username,
 * password, pid, stop }), the work dir projects and files go under, and how many projects were made.
 */
export const bench = { registry: undefined, workDir: undefined, projects: 0 };
