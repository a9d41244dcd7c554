// Writes schema.json, the JSON Schema of a config for the built-in frameworks, which @uai/cli ships so a
// JSON config can say "$schema": "./node_modules/@uai/cli/schema.json". Run by the build after tsc, from the
// compiled `uai schema` code: the file is what `uai schema` prints in a folder with no config and no plugin
// installed. It lives here rather than in @uai/core, which knows no framework (the plugins depend on core).
// A build output: not in git (packages/cli/.gitignore), in the package (`files`).
import { writeFile } from 'node:fs/promises';

const { builtinSchemaText } = await import('../dist/commands/schema.js');
await writeFile(new URL('../schema.json', import.meta.url), await builtinSchemaText());
