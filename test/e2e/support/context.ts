import { inject } from 'vitest';

/** What the global setup hands every e2e test file. */
export interface E2eContext {
  /** `127.0.0.1:PORT` of the test registry: UAI_REGISTRY_HOST for `uai`. */
  host: string;
  url: string;
  username: string;
  password: string;
  /** The harness's own Docker config (logged in to the registry), for pulls made by tests. */
  dockerConfig: string;
  /** Local tag of the stand-in base image (`uai-standin-base:<hash>`). */
  standin: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    uaiE2e: E2eContext;
  }
}

export function e2eContext(): E2eContext {
  return inject('uaiE2e');
}
