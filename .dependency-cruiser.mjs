// The import rules of the rooms (README, "Layout"), checked by `npm run lint`:
//   scripts → server → reader → imaging → model;   train → imaging → model;   synth → imaging.
// Tests and scripts share harness/ and src/, never each other. No cycles, type-only imports included.
/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const below = (room, allowed) => ({
  name: `${room}-imports-only-${allowed.join('-') || 'itself'}`,
  comment: `src/${room} may import only ${allowed.map((r) => `src/${r}`).join(', ') || 'itself'} (and packages)`,
  severity: 'error',
  from: { path: `^src/${room}/` },
  to: { path: '^(src|test|scripts|harness)/', pathNot: [`^src/${room}/`, ...allowed.map((r) => `^src/${r}/`)] },
});

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle, type-only or not, makes two modules one: merge them or move what they share below both',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    below('model', []),
    below('imaging', ['model']),
    below('reader', ['imaging', 'model']),
    below('synth', ['imaging', 'model']),
    below('train', ['imaging', 'model', 'synth']),
    below('server', ['reader', 'imaging', 'model']),
    {
      name: 'harness-imports-src-only',
      comment: 'harness/ is shared by tests and scripts, so it imports neither',
      severity: 'error',
      from: { path: '^harness/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'tests-do-not-import-scripts',
      severity: 'error',
      from: { path: '^test/' },
      to: { path: '^scripts/' },
    },
    {
      name: 'scripts-do-not-import-tests',
      comment: 'what scripts share with tests lives in harness/ or src/synth/',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
