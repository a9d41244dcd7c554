// (e) Peak RSS of a build+push with a small and with a big model, and of a dry run for a baseline.
import { rmSync } from 'node:fs';
import { native, uaiBin, uaiEnv } from '../lib/contenders.mjs';
import { MB, options } from '../lib/context.mjs';
import { runOk } from '../lib/process.mjs';
import { makeProject } from '../lib/project.mjs';
import { fmt, fmtBytes, record } from '../lib/report.mjs';

const { sizes } = options;

export async function scenarioE() {
  for (const bytes of [sizes.rssSmall, sizes.rssBig]) {
    const project = makeProject({ weightBytes: bytes });
    const built = await native(project);
    record(
      'e',
      `peak RSS packing and pushing ${fmtBytes(bytes)} of weights`,
      `${fmtBytes(built.rss)} (in ${fmt(built.ms)})`,
      '<= 150 MB',
      built.rss <= 150 * MB,
    );
    if (bytes === sizes.rssSmall) {
      const idle = await runOk('/usr/bin/env', ['time', '-f', '%M', process.execPath, uaiBin, 'build', '--dry-run'], {
        cwd: project.dir,
        env: uaiEnv(project),
      }).catch(() => undefined);
      const kb = Number(idle?.stderr.trim().split('\n').pop());
      if (kb) record('e', '  baseline: peak RSS of `uai build --dry-run` (no builder)', fmtBytes(kb * 1024));
    }
    rmSync(project.dir, { recursive: true, force: true });
  }
}
