// The import rules of the rooms (README, "Layout"), checked by `npm run lint`:
//   scripts → server → reader → imaging → model;   train → imaging → model;   synth → imaging.
// Tests and scripts share harness/ and src/, never each other. No cycles, type-only imports included.
/** A room of src/ that imports only itself and the rooms `allowed` below it. */
const below = (room, allowed) => ({
  name: `${room}-imports-only-${allowed.join('-') || 'itself'}`,
  comment: `src/${room} may import only ${allowed.map((r) => `src/${r}`).join(', ') || 'itself'} (and packages)`,
  severity: 'error',
  from: { path: `^src/${room}/` },
  to: { path: '^(src|test|scripts|harness)/', pathNot: [`^src/${room}/`, ...allowed.map((r) => `^src/${r}/`)] },
});

/** Top-level folder `from` imports none of `folders`. */
const never = (from, folders, comment) => ({
  name: `${from}-imports-no-${folders.join('-')}`,
  comment,
  severity: 'error',
  from: { path: `^${from}/` },
  to: { path: `^(${folders.join('|')})/` },
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
    never('harness', ['test', 'scripts'], 'harness/ is shared by tests and scripts, so it imports neither'),
    never('test', ['scripts'], 'what tests share with scripts lives in harness/ or src/synth/'),
    never('scripts', ['test'], 'what scripts share with tests lives in harness/ or src/synth/'),
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
