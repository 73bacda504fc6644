// The allowed import directions between the folders of src/, checked by `npm run deps` (and so
// by `npm test` and CI). src/README.md explains the floors in prose; keep the two in step.
// Type-only imports count (tsPreCompilationDeps): a type import is still an arrow between floors.

/** The stage folders: the data flows through them, and they never reach up to what starts them. */
const STAGES = '^src/(ingest|processing|delivery)/';
/** Pure folders: functions of their inputs, no I/O. */
const PURE = '^src/(purchasely|mapping|state|clevertap|contract)/';
/** The root modules everything may use, which import no folder themselves. */
const ROOT_LEAVES = '^src/(errors|config|clock|logger|secrets|threads)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle between modules means two floors point at each other; move the shared part down.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'stages-look-down',
      severity: 'error',
      comment: 'ingest, processing and delivery are started by src/runtime; they never import it, the HTTP app, the CLI or the demo.',
      from: { path: STAGES },
      to: { path: '^src/(runtime|http|cli|demo)/' },
    },
    {
      name: 'runtime-is-the-top-floor',
      severity: 'error',
      comment: 'Only the CLI and the demo start the service.',
      from: { path: '^src/', pathNot: '^src/(runtime|cli|demo)/' },
      to: { path: '^src/runtime/' },
    },
    {
      name: 'cli-and-demo-are-the-entrance',
      severity: 'error',
      comment: 'The command line and the demo sit on top: nothing in src/ but the CLI imports them.',
      from: { path: '^src/', pathNot: '^src/(cli|demo)/' },
      to: { path: '^src/(cli|demo)/' },
    },
    {
      name: 'http-only-from-runtime',
      severity: 'error',
      comment: 'The HTTP app is built and listened to by src/runtime alone (the demo and the CLI go through it).',
      from: { path: '^src/', pathNot: '^src/(runtime|http)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'store-is-the-ground-floor',
      severity: 'error',
      comment:
        'The store sits on the pure domain: it imports only itself, the types it stores (state, the Purchasely payload, CleverTap record types, the stored form of the settings, the contract) and the root config/errors/threads.',
      from: { path: '^src/store/' },
      to: {
        path: '^src/',
        pathNot: ['^src/store/', '^src/(state|purchasely|contract)/', '^src/clevertap/types[.]ts$', '^src/settings/schema[.]ts$', '^src/(config|errors|threads)[.]ts$'],
      },
    },
    {
      name: 'client-is-standalone',
      severity: 'error',
      comment: 'The published SDK ships without the server: it imports only itself and the API contract.',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/(client|contract)/' },
    },
    {
      name: 'pure-folders-do-no-io',
      severity: 'error',
      comment: 'purchasely, mapping, state, clevertap and the contract stand below the store: no store, HTTP or runtime.',
      from: { path: PURE },
      to: { path: '^src/(store|http|runtime)/' },
    },
    {
      name: 'root-leaves-import-no-folder',
      severity: 'error',
      comment:
        'errors, config, clock, logger, secrets and threads sit under every folder, so they import none (node_modules and each other are fine); errors.ts takes its list of codes from the contract, a file that imports nothing.',
      from: { path: ROOT_LEAVES },
      to: { path: '^src/[^/]+/', pathNot: '^src/contract/error-codes\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      comment: 'src/ ships; tests, benchmarks and tools do not.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '[.]test[.]ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
