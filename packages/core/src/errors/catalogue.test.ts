import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from './catalogue.js';
import { UaiError } from './uai-error.js';

const docsFile = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));

/** The table of docs/errors.md, as the catalogue says it. */
function table(): string {
  const rows = Object.entries(errorCatalogue).map(([code, entry]) => `| \`${code}\` | ${entry.exitCode} | ${entry.means} | ${entry.fix} |`);
  return ['| code | exit | means | what to do |', '|---|---|---|---|', ...rows].join('\n');
}

describe('the error catalogue', () => {
  it('is what docs/errors.md lists, code by code', () => {
    expect(readFileSync(docsFile, 'utf8')).toContain(table());
  });

  it('gives every code an exit status of 1 (a model failed) or 2 (config or command line), as UaiError reports it', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect([1, 2]).toContain(entry.exitCode);
      expect(new UaiError(code as keyof typeof errorCatalogue, 'x').exitCode).toBe(entry.exitCode);
    }
  });
});
