// Tests run through swc, which strips types without checking them (the `typecheck` target
// does that) and emits the decorator metadata NestJS needs for injection. The web's views are
// TSX, rendered with Preact's automatic JSX runtime (tsconfig.base.json says the same to tsc);
// plain .ts is parsed without JSX, where `<T>(x) => x` is a generic, not an element.
const swc = (tsx) => [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true, tsx },
      transform: { legacyDecorator: true, decoratorMetadata: true, ...(tsx ? { react: { runtime: 'automatic', importSource: 'preact' } } : {}) },
      target: 'es2022',
    },
    // hyparquet-writer ships ES modules only, which Jest loads through a real import() (tests
    // run with --experimental-vm-modules): swc leaves import() alone rather than turn it
    // into a require() that Jest refuses for an ES module.
    module: { type: 'commonjs', ignoreDynamic: true },
    sourceMaps: 'inline',
  },
];

module.exports = {
  testEnvironment: 'node',
  resolver: '@nx/jest/plugins/resolver',
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': swc(false),
    '^.+\\.tsx$': swc(true),
  },
};
