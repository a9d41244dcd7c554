// (b) The model of (a) after a one-line code change: the bytes the registry gains, and the time against
// (a)'s first push.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { native } from '../lib/contenders.mjs';
import { options } from '../lib/context.mjs';
import { addedBytes } from '../lib/curl.mjs';
import { settle } from '../lib/process.mjs';
import { makeProject } from '../lib/project.mjs';
import { fmt, fmtBytes, list, median, record } from '../lib/report.mjs';

const { sizes, reps } = options;

/** `fromA`: what scenarioA resolved with, when it ran; otherwise a project of the same size is pushed first. */
export async function scenarioB(fromA) {
  const { project, first, firstMs } = fromA ?? { project: makeProject({ weightBytes: sizes.a }) };
  const firstRun = first ?? (await native(project));
  const firstTime = firstMs ?? firstRun.ms;
  let before = firstRun;
  const times = [];
  let added = 0;
  for (let rep = 0; rep < reps; rep++) {
    appendFileSync(path.join(project.dir, 'models/m0/mnist_inference.py'), `# a one-line change (${rep + 1})\n`);
    await settle();
    const after = await native(project);
    added = Math.max(added, await addedBytes(`${project.namespace}/bench-m0`, before.report.models[0].digest, after.report.models[0].digest));
    times.push(after.ms);
    before = after;
  }
  const share = added / sizes.a;
  record(
    'b',
    'rebuild after a one-line code change: bytes added to the registry (the most of any rebuild)',
    `${fmtBytes(added)} (${(share * 100).toFixed(4)}% of the weights)`,
    '< 1%',
    share < 0.01,
  );
  const time = median(times);
  const ratio = time / firstTime;
  record(
    'b',
    `rebuild after a one-line code change: time (median of ${reps}: ${list(times)})`,
    `${fmt(time)} (${ratio.toFixed(3)}x the first push, ${fmt(firstTime)})`,
    '<= 0.15x',
    ratio <= 0.15,
  );
}
