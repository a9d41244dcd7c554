/** What a model's smoke test expects of `POST /service` (the `test.expect` of the config). */
export interface Expectation {
  /** @default 200 */
  status?: number;
  /** Text the body must contain. */
  bodyContains?: string;
  /** A JSON value the body, parsed, must contain: objects by their keys (others may be there), the rest equal. */
  json?: unknown;
}

/** How much of an answer's body a failure quotes. */
export const quotedBodyChars = 200;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where `actual` does not hold `expected` (a subset match for objects), as a path; undefined when it does. */
export function jsonDifference(actual: unknown, expected: unknown, at = ''): string | undefined {
  if (isObject(expected)) {
    if (!isObject(actual)) return at || '(the body)';
    for (const [key, value] of Object.entries(expected)) {
      const found = jsonDifference(actual[key], value, at ? `${at}.${key}` : key);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return at || '(the body)';
    for (const [i, value] of expected.entries()) {
      const found = jsonDifference(actual[i], value, `${at}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return Object.is(actual, expected) ? undefined : at || '(the body)';
}

/**
 * Checks an answer against the expectation. Pure. Returns why it fails, quoting the status and the
 * start of the body, or undefined when it passes.
 */
export function checkAnswer(answer: { status: number; body: string }, expect: Expectation = {}): string | undefined {
  const quoted = JSON.stringify(answer.body.slice(0, quotedBodyChars)) + (answer.body.length > quotedBodyChars ? '...' : '');
  const wanted = expect.status ?? 200;
  if (answer.status !== wanted) return `POST /service answered ${answer.status}, expected ${wanted}: ${quoted}`;
  if (expect.bodyContains !== undefined && !answer.body.includes(expect.bodyContains)) {
    return `the body does not contain ${JSON.stringify(expect.bodyContains)} (status ${answer.status}): ${quoted}`;
  }
  if (expect.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return `the body is not JSON (status ${answer.status}): ${quoted}`;
    }
    const at = jsonDifference(parsed, expect.json);
    if (at !== undefined) return `the body's JSON differs from test.expect.json at ${at} (status ${answer.status}): ${quoted}`;
  }
  return undefined;
}
