/**
 * The layering of the repository as rules (ARCHITECTURE.md draws it):
 *   apps/, deploy/            composition roots: the only places that wire several products together
 *   edge/, iot/, cloud/       products, side by side, never importing each other
 *   foundation/               shared parts the products stand on; imports no product
 * Pure modules (rules, tracking, zones, events, geometry, state machines) do no I/O.
 * `npm run lint:deps` checks it; a violation prints the rule's name and fails the run.
 */

const PRODUCTS = '(edge|iot|cloud)';

/** Modules whose import means I/O: files, processes, sockets, images, inference, brokers, databases, HTTP. */
const IO_MODULES = [
  '^(node:)?fs(/promises)?$',
  '^(node:)?child_process$',
  '^(node:)?net$',
  '^(node:)?dgram$',
  '^(node:)?https?$',
  '(^|/)node_modules/(sharp|onnxruntime-node|mqtt|pg|@electric-sql/pglite|fastify|aedes)/',
];

/** Modules that compute without I/O, so they can be tested with no files, sockets or clocks. */
const PURE_MODULES = [
  '^edge/rules/',
  '^edge/track/',
  '^edge/zones/',
  '^edge/events/',
  '^edge/scenarios/',
  '^edge/background/',
  '^edge/health/',
  '^foundation/geometry/',
  '^foundation/contract/',
  '^foundation/util/',
  '^foundation/suppression/',
  '^foundation/models/manifest-schema\\.ts$',
  '^iot/rules/',
  '^iot/events/',
  '^iot/geo/',
  '^iot/correlate/rank-candidates\\.ts$',
  '^cloud/tickets/ticket-state-machine\\.ts$',
  '^cloud/incidents/choose-incident\\.ts$',
  '^cloud/routing/',
  '^cloud/labels/',
  '^cloud/datasets/coco-(export|import|schema)\\.ts$',
  '^cloud/permits/(judge-permit|trucks|permit-schema)\\.ts$',
  '^edge/drone/(polygon|area-matcher)\\.ts$',
];

/** Files that nothing imports on purpose: programs started by npm scripts, Docker or the browser. */
const ENTRY_POINTS = [
  '^apps/[^/]+/(main|start-demo)\\.ts$',
  '^deploy/[^/]+\\.ts$',
  '^models/tools/build-[^/]+\\.ts$',
  '^fixtures/tools/build-[^/]+\\.ts$',
  '^cloud/ui/public/js/main\\.js$',
  '^vitest\\.config\\.ts$',
  '^tools/check-[^/]+\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Modules that import each other cannot be understood, tested or loaded one at a time, and load ' +
        'order decides which sees the other half-initialised.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment:
        'Inside a product no two folders import each other: each folder is a layer or a feature that ' +
        'stands on the others, so it can be read and changed without its dependants.',
      severity: 'error',
      scope: 'folder',
      from: { path: `^${PRODUCTS}/|^foundation/` },
      to: { circular: true },
    },
    {
      name: 'foundation-imports-no-product',
      comment:
        'foundation/ is what edge, iot and cloud share; if it imported a product, that product would ' +
        'stand on itself through the foundation and the others on it.',
      severity: 'error',
      from: { path: '^foundation/' },
      to: { path: '^(edge|iot|cloud|apps|deploy|models|fixtures|test)/' },
    },
    {
      name: 'products-do-not-import-each-other',
      comment:
        'edge, iot and cloud stand side by side on foundation/; only apps/ and deploy/ wire several ' +
        'together. A shared need moves to foundation/ instead of one product reaching into another.',
      severity: 'error',
      from: { path: `^${PRODUCTS}/` },
      to: { path: `^(${PRODUCTS}|apps|deploy)/`, pathNot: '^$1/' },
    },
    {
      name: 'pure-modules-do-no-io',
      comment:
        'Rules, tracking, zones, events, geometry and state machines are pure: time and data come in ' +
        'as arguments, so tests need no files, sockets, models or clocks. I/O belongs in their callers.',
      severity: 'error',
      from: { path: PURE_MODULES },
      to: { path: IO_MODULES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'models-tools-use-no-edge',
      comment:
        'The tools that build models and fixtures produce what the edge consumes; they share only ' +
        'foundation/ with it, so a change inside edge/ cannot silently change a checked-in model or fixture.',
      severity: 'error',
      from: { path: '^(models|fixtures)/tools/' },
      to: {
        pathNot: ['^(foundation|models/tools|fixtures/tools)/', '(^|/)node_modules/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'tests-are-not-imported',
      comment: 'Shipped code must not depend on test helpers or fixtures of the test suite.',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-orphans',
      comment:
        'A source file that nothing imports and that is no entry point is dead code (or a program ' +
        'nobody can find): delete it, or name it as an entry point here.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: ['^test/', '\\.d\\.ts$', '(^|/)\\.[^/]+\\.(c|m)?js$', '\\.json$', ...ENTRY_POINTS],
      },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'An import that resolves to nothing fails at run time; usually a file moved without its importers.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^cloud/db/migrations/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
