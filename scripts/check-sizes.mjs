// The size rule of our standards, checked: every source file under 400 lines, every function under
// 100. Tests are held to the file rule only (a table of cases may be long, a test function may not be
// split for its own sake). Run by `npm run lint`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const maxFileLines = 400;
const maxFunctionLines = 100;
const folders = ['packages', 'examples', 'test', 'scripts', 'bench'];

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.uai', 'fixtures', 'work'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|mts|mjs)$/.test(entry.name) && !/\.d\.m?ts$/.test(entry.name)) yield full;
  }
}

const problems = [];
for (const folder of folders) {
  for (const file of sourceFiles(path.join(root, folder))) {
    const text = readFileSync(file, 'utf8');
    const relative = path.relative(root, file);
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines >= maxFileLines) problems.push(`${relative}: ${lines} lines (files stay under ${maxFileLines})`);
    if (/\.test\.ts$/.test(file)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.end).line;
        const length = end - start + 1;
        const name = node.name?.getText(source) ?? '(anonymous)';
        if (length >= maxFunctionLines)
          problems.push(`${relative}:${start + 1}: function ${name} is ${length} lines (functions stay under ${maxFunctionLines})`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`sizes: every file under ${maxFileLines} lines, every function under ${maxFunctionLines}`);
