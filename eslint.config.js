const nx = require('@nx/eslint-plugin');

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', 'data/**', 'tmp/**', '.nx/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      // Services are shells around the domain; they never import one another. Only the
      // all-in-one entry point and the CLI compose them.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // End-to-end tests start the real all-in-one application in their own process, and load the demo zone into it.
          allow: ['@turnaround/all-in-one', '@turnaround/demo'],
          depConstraints: [
            { sourceTag: 'scope:domain', onlyDependOnLibsWithTags: ['scope:domain'] },
            { sourceTag: 'scope:lib', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lib'] },
            { sourceTag: 'scope:service', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lib'] },
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lib', 'scope:service'] },
            { sourceTag: 'scope:test', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lib', 'scope:service', 'scope:app'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain library holds the rules and nothing else: no framework, no I/O.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'pg', 'kafkajs', '@electric-sql/*', '@eventstore/*', 'express'], message: 'libs/domain imports no framework and does no I/O' },
          ],
        },
      ],
    },
  },
];
