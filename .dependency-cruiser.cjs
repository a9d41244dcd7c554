// @ts-check
// Import rules for packages/*/src, checked by `npm run lint` (and so by CI).
//
// What they protect: each package's source is a stack of stages, and a stage may only build on the
// stages below it. In @uai/core: errors/ and secrets/ at the bottom, then plugins/, config/, plan/,
// render/, assemble/, builders/, lock/, smoke/, pipeline/, report/; the top-level index.ts, light.ts,
// build.ts, test-models.ts and publish.ts wire the stages together and may import anything, but no stage
// imports them. In @uai/oci:
// name/, image/, layer/, cache/, authn/, remote/, layout/, with write-atomic.ts shared by all. Keeping
// imports pointing one way is what lets a stage be read, tested and changed without the ones above
// it, keeps the Docker and native builders independent of each other and of the code that picks
// between them, keeps `@uai/core/light` (the CLI's fast path, `uai --help`) from pulling in the
// engine, and rules out import cycles (type-only imports included), which make module
// initialisation order fragile and the stages impossible to tell apart. Packages reach each other
// only by package name (`@uai/oci`), never by a relative path into another package's src/, so each
// package builds, publishes and is tested on its own. A new stage is one line in the lists below.

/**
 * The stages of each package, earliest first. A folder of src/ may import its own files, earlier
 * stages and packages; never a later stage, and never a top-level file of src/ but the `shared` ones.
 * An entry that lists several folders is one tier: its folders import nothing of each other.
 * `allow` names the exceptions: files of a later stage that a folder may import all the same.
 */
const packages = [
  {
    pkg: 'core',
    stages: [
      ['errors', 'secrets'], // the foundation: imports nothing else of core
      'plugins',
      'config',
      'plan',
      'render',
      'assemble',
      'builders',
      'lock',
      'smoke',
      'pipeline',
      'report',
    ],
    shared: [], // the top-level files import the stages, never the other way round
    allow: {},
  },
  {
    pkg: 'oci',
    stages: ['name', 'image', 'layer', 'cache', 'authn', 'remote', 'layout'],
    shared: ['write-atomic.ts'],
    allow: { authn: ['remote/errors.ts'] }, // RegistryError lives there
  },
];

/** Tests and test-only fixtures may reach across stages (a stage's end-to-end test drives build()); cycles still count. */
const testFiles = ['\\.test\\.ts$', '\\.fixture\\.ts$'];

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (names) => `(${names.map(escapeRegex).join('|')})`;

/** @returns {import('dependency-cruiser').IForbiddenRuleType[]} */
function stageRules({ pkg, stages, shared, allow }) {
  const src = `^packages/${pkg}/src/`;
  const tiers = stages.map((tier) => (Array.isArray(tier) ? tier : [tier]));
  const folders = tiers.flat();
  const rules = [];
  tiers.forEach((tier, index) => {
    const earlier = tiers.slice(0, index).flat();
    for (const folder of tier) {
      const forbidden = [...tier.filter((other) => other !== folder), ...tiers.slice(index + 1).flat()];
      if (forbidden.length === 0) continue;
      rules.push({
        name: `${pkg}-stage-${folder}`,
        severity: 'error',
        comment: `${pkg}/src/${folder}/ may import ${[folder, ...earlier].map((name) => `${name}/`).join(', ')} and packages, not ${forbidden.map((name) => `${name}/`).join(', ')}`,
        from: { path: `${src}${escapeRegex(folder)}/`, pathNot: testFiles },
        to: { path: `${src}${anyOf(forbidden)}/`, pathNot: (allow[folder] ?? []).map((file) => `${src}${escapeRegex(file)}$`) },
      });
    }
  });
  rules.push(
    {
      name: `${pkg}-stage-to-top-level`,
      severity: 'error',
      comment: `a stage folder never imports a top-level file of ${pkg}/src/ (they import the stages)${shared.length ? `; ${shared.join(', ')} excepted` : ''}`,
      from: { path: `${src}${anyOf(folders)}/`, pathNot: testFiles },
      to: { path: `${src}[^/]+$`, pathNot: shared.map((file) => `${src}${escapeRegex(file)}$`) },
    },
    {
      name: `${pkg}-unknown-folder`,
      severity: 'error',
      comment: `${pkg}/src/ has a folder that is not a stage: add it to the stage list in .dependency-cruiser.cjs, in order`,
      from: { path: `${src}[^/]+/`, pathNot: `${src}${anyOf(folders)}/` },
      to: {},
    },
  );
  return rules;
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'an import cycle (type-only and dynamic imports count): move what both sides need to an earlier stage',
      from: { path: '^packages/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'cross-package-by-path',
      severity: 'error',
      comment: 'another package is imported by its name (@uai/...), never by a relative path into its folder',
      from: { path: '^packages/([^/]+)/' },
      // `local`: a relative (or absolute) path; an import by package name is not `local`.
      to: { dependencyTypes: ['local'], path: '^packages/', pathNot: '^packages/$1/' },
    },
    ...packages.flatMap(stageRules),
    {
      name: 'core-builders-apart',
      severity: 'error',
      comment: 'builders/docker/ and builders/native/ import neither each other nor builders/choose.ts and builders/skip-unchanged.ts, which compose them',
      from: { path: '^packages/core/src/builders/(docker|native)/', pathNot: testFiles },
      to: {
        path: ['^packages/core/src/builders/(docker|native)/', '^packages/core/src/builders/(choose|skip-unchanged)\\.ts$'],
        pathNot: '^packages/core/src/builders/$1/',
      },
    },
    {
      name: 'core-light',
      severity: 'error',
      comment: 'light.ts is the CLI fast path (uai --help): it imports errors/, secrets/ and the pure plan/shard.ts only',
      from: { path: '^packages/core/src/light\\.ts$' },
      to: { pathNot: '^packages/core/src/((errors|secrets)/|plan/shard\\.ts$)' },
    },
    {
      name: 'core-light-reach',
      severity: 'error',
      comment: 'nor does what errors/ and secrets/ import reach a package or another stage: light.ts loads none of the engine (node built-ins are fine)',
      from: { path: '^packages/core/src/light\\.ts$' },
      to: { reachable: true, path: ['(^|/)node_modules/', '^@', '^packages/(?!core/src/((errors|secrets)/|plan/shard\\.ts$))'] },
    },
  ],
  options: {
    // Cruised from packages/*/src (the command line names it); packages and other packages' builds are leaves.
    doNotFollow: { path: ['node_modules', '^packages/[^/]+/(?!src/)'] },
    // Type-only imports are dependencies too: a cycle through types is still a cycle.
    tsPreCompilationDeps: true,
    // NodeNext: `./foo.js` in a .ts file means ./foo.ts (dependency-cruiser retries a .js that does not exist as .ts).
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
