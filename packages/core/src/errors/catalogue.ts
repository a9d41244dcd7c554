/**
 * Every error code `uai` reports (in messages' causes and in `--json`'s `error.code`): what it means,
 * the exit status of a run that stops on it, and the fix to try when the message names no better one.
 * A message itself says what happened and what to do; it is written where the error is thrown, from
 * the facts there. docs/errors.md is this table for users (a unit test keeps the two the same).
 */
export const errorCatalogue = {
  UAI_CONFIG_NOT_FOUND: {
    exitCode: 2,
    means: 'no config file was found, or --config names a missing file',
    fix: 'Create uai.config.ts (see the README), or pass --config PATH.',
  },
  UAI_CONFIG_LOAD_FAILED: {
    exitCode: 2,
    means: 'the config file could not be loaded (syntax error, empty, or its function threw)',
    fix: 'Fix the config file and run again.',
  },
  UAI_CONFIG_INVALID: {
    exitCode: 2,
    means: 'the config (or uai.lock.json) has a wrong shape or value; every issue names its key',
    fix: 'Fix each key the message lists.',
  },
  UAI_USAGE: { exitCode: 2, means: 'the command line or an environment variable is invalid', fix: 'Run uai <command> --help.' },
  UAI_PLUGIN_NOT_FOUND: {
    exitCode: 2,
    means: 'a framework needs a plugin package that is not installed',
    fix: 'npm install -D the package the message names.',
  },
  UAI_PLUGIN_INVALID: {
    exitCode: 2,
    means: 'a plugin could not be loaded, or is not a uai plugin',
    fix: 'Reinstall it, or report it to its authors (see docs/plugins.md).',
  },
  UAI_PLUGIN_CONFLICT: { exitCode: 2, means: 'two plugins claim one framework name', fix: 'Keep one of them in plugins (or uninstall one).' },
  UAI_PLUGIN_HOOK_FAILED: { exitCode: 1, means: "a plugin's hook threw while planning a model", fix: "Report it to the plugin's authors." },
  UAI_TEMPLATE_FAILED: {
    exitCode: 1,
    means: 'a Dockerfile or service-config template failed to render, or rendered something unsafe',
    fix: 'Fix the template the message names.',
  },
  UAI_MODEL_FILE_MISSING: { exitCode: 1, means: "a model's folder or file does not exist", fix: 'Add the file, or fix the config key the message names.' },
  UAI_UNSAFE_PATH: { exitCode: 1, means: 'a path or symlink resolves outside the project', fix: 'Copy the file into the project, or remove the link.' },
  UAI_ENGINE_UNAVAILABLE: { exitCode: 1, means: 'no Docker engine answers', fix: 'Start the Docker daemon, or use --builder native.' },
  UAI_DOCKER_NOT_INSTALLED: { exitCode: 1, means: 'the docker command is not on PATH', fix: 'Install Docker, or use --builder native.' },
  UAI_AUTH_FAILED: {
    exitCode: 1,
    means: 'a registry refused the credentials, or access',
    fix: 'Check UHUB_USERNAME and UHUB_PASSWORD (or docker login), and registry.namespace.',
  },
  UAI_REGISTRY_UNREACHABLE: {
    exitCode: 1,
    means: 'a registry could not be reached, or not over a trusted connection',
    fix: 'Check the host name and your network (or UAI_REGISTRY_HOST).',
  },
  UAI_BUILD_FAILED: {
    exitCode: 1,
    means: 'building the image failed (docker build, reading the base image, packing layers)',
    fix: 'Read the output the message quotes.',
  },
  UAI_PUSH_FAILED: { exitCode: 1, means: 'pushing the image failed', fix: 'Run again; check the output the message quotes.' },
  UAI_TEST_FAILED: {
    exitCode: 1,
    means: "a model's smoke test failed: its image did not start, or POST /service did not answer as test.expect says",
    fix: 'Read the answer the message quotes; fix the model or test.expect.',
  },
  UAI_PUBLISH_FAILED: {
    exitCode: 1,
    means: 'uai publish (or uai build --atomic) refused the reports or builds, or could not move every tag (the ones moved were put back)',
    fix: 'Read which models and why; run the same uai publish (or build --atomic) again; if a digest is gone, build again with --no-tag, then publish.',
  },
  UAI_DISK_FULL: { exitCode: 1, means: 'a disk filled up', fix: 'Free space where the message says, and run again.' },
  UAI_CANCELLED: { exitCode: 1, means: 'the run was stopped (Ctrl-C, or --fail-fast) before the model finished', fix: 'Run again.' },
  UAI_INTERNAL: { exitCode: 1, means: 'a bug in uai', fix: 'Report it with the command you ran.' },
} as const satisfies Record<string, { exitCode: number; means: string; fix: string }>;

export type UaiErrorCode = keyof typeof errorCatalogue;
