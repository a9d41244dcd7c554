/** One model of a `uai build --json` report, as `uai publish` reads it. */
export interface ReportedModel {
  name: string;
  image: string;
  status: string;
  digest: string | null;
  /** The report file it came from, for messages. */
  file: string;
}

/** Reads `uai build --json` documents; what is not one is a problem naming its file. Pure. */
export function readReports(files: readonly { file: string; text: string }[]): { models: ReportedModel[]; problems: string[] } {
  const models: ReportedModel[] = [];
  const problems: string[] = [];
  for (const { file, text } of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      problems.push(`${file} is not JSON (${(error as Error).message}); give the output of uai build --json`);
      continue;
    }
    const list = (parsed as { models?: unknown })?.models;
    if (!Array.isArray(list)) {
      problems.push(`${file} is not a uai build --json report (no "models" list)`);
      continue;
    }
    const error = (parsed as { error?: { message?: string } }).error;
    if (error) problems.push(`${file}: that build never started: ${error.message ?? 'an error'}`);
    for (const entry of list as Record<string, unknown>[]) {
      if (typeof entry?.name !== 'string' || typeof entry.image !== 'string' || typeof entry.status !== 'string') {
        problems.push(`${file}: a model entry without name, image and status`);
        continue;
      }
      models.push({ name: entry.name, image: entry.image, status: entry.status, digest: typeof entry.digest === 'string' ? entry.digest : null, file });
    }
  }
  return { models, problems };
}

/**
 * What stops a release from being published, by model: a model that was not staged (or skipped as
 * unchanged), one with no digest, one reported twice, and, given the selected models of the config,
 * one missing or one the config does not have. Pure.
 */
export function publishProblems(models: readonly ReportedModel[], selected?: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, ReportedModel>();
  for (const model of models) {
    const first = seen.get(model.name);
    if (first) problems.push(`${model.name}: in two reports (${first.file}, ${model.file}); each model must be reported once`);
    seen.set(model.name, model);
    if (model.status !== 'staged' && model.status !== 'skipped') {
      problems.push(`${model.name}: ${model.status} in ${model.file}; only staged (uai build --no-tag) or skipped models are published`);
    } else if (!model.digest || !/^sha256:[0-9a-f]{64}$/.test(model.digest)) {
      problems.push(`${model.name}: no digest in ${model.file}`);
    }
  }
  if (selected) {
    for (const name of selected) if (!seen.has(name)) problems.push(`${name}: in the config but in no report`);
    for (const name of seen.keys()) if (!selected.includes(name)) problems.push(`${name}: in a report but not a selected model of the config`);
  }
  if (models.length === 0) problems.push('the reports name no model');
  return problems;
}
