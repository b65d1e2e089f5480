// Tests run through swc, which strips types without checking them (the `typecheck` target
// does that) and emits the decorator metadata NestJS needs for injection.
module.exports = {
  testEnvironment: 'node',
  resolver: '@nx/jest/plugins/resolver',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        // hyparquet-writer ships ES modules only, which Jest loads through a real import() (tests
        // run with --experimental-vm-modules): swc leaves import() alone rather than turn it
        // into a require() that Jest refuses for an ES module.
        module: { type: 'commonjs', ignoreDynamic: true },
        sourceMaps: 'inline',
      },
    ],
  },
};
