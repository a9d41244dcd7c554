import { z } from 'zod';

/**
 * A model's smoke test (`test:` on a model or in `defaults`): the request `uai test` and `uai build
 * --test` send as `POST /service` to the running image, and what the answer must be.
 */
export function testSchema(relativePath: () => z.ZodType<string>) {
  return z
    .strictObject({
      request: relativePath().describe("A file sent as the body of POST /service, relative to the config's folder."),
      contentType: z.string().min(1).default('application/octet-stream').describe('The request\'s Content-Type. @default "application/octet-stream"'),
      expect: z
        .strictObject({
          status: z.number().int().min(100).max(599).optional().describe('The status the answer must have. @default 200'),
          bodyContains: z.string().optional().describe('Text the body must contain.'),
          json: z.unknown().optional().describe('A JSON value the body must contain: objects by their keys (others may be there), the rest equal.'),
        })
        .default({})
        .describe('What the answer must be. @default status 200'),
      timeoutMs: z.number().int().min(1).max(3_600_000).default(60_000).describe('Time for the container to start and answer, in ms. @default 60000'),
    })
    .describe('A smoke test: run by `uai test` and `uai build --test`.');
}

export type TestConfig = z.output<ReturnType<typeof testSchema>>;
