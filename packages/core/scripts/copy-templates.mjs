// The default templates live at the repository's top-level templates/ so they are easy to find and
// override; the published package carries its own copy next to dist/.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../../../templates/', import.meta.url));
const to = fileURLToPath(new URL('../templates/', import.meta.url));
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
