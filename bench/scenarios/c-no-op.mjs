// (c) A build of 10 models that changed nothing since their last push.
import { dryRun, native } from '../lib/contenders.mjs';
import { options } from '../lib/context.mjs';
import { makeProject } from '../lib/project.mjs';
import { fmt, list, median, record } from '../lib/report.mjs';

const { sizes, reps } = options;

export async function scenarioC() {
  const project = makeProject({ count: 10, weightBytes: sizes.perModel });
  const first = await native(project);
  const again = [];
  const statuses = new Set();
  for (let rep = 0; rep < reps; rep++) {
    const run = await native(project);
    again.push(run.ms);
    for (const model of run.report.models) statuses.add(model.status);
  }
  const time = median(again);
  record(
    'c',
    `no-op rebuild of 10 unchanged models (first build ${fmt(first.ms)}; statuses: ${[...statuses].join(',')}; median of ${reps}: ${list(again)})`,
    fmt(time),
    '< 1 s',
    time < 1000,
  );
  const fixed = await dryRun(project);
  record('c', '  of which the fixed start-up cost (`uai build --dry-run`, 10 models)', `${fmt(fixed)}; the builder's part ${fmt(time - fixed)}`);
}
