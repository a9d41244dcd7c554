// @ts-check
import { fileURLToPath } from 'node:url';

/** The repository's root folder (test/e2e/support/../../..). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The `uai` binary under test: the built CLI, run with node. */
export const uaiBin = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));
export const standinDir = fileURLToPath(new URL('../../standin-base/', import.meta.url));
