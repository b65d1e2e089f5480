const nx = require('@nx/eslint-plugin');

const DRIVERS = 'drivers are imported by their adapters only (libs/postgres, libs/messaging, libs/event-store/src/eventstoredb): use the port';

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', 'data/**', 'tmp/**', '.nx/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      // Services are shells around the domain; they never import one another. Only the
      // all-in-one entry point and the CLI compose them.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
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
    // End-to-end tests start the real all-in-one application; the CLI composes it too. Nothing
    // else may import an application.
    files: ['test/**/*.ts', 'services/cli/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@turnaround/all-in-one'],
          depConstraints: [
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lib', 'scope:service', 'scope:app'] },
            { sourceTag: 'scope:test', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lib', 'scope:service', 'scope:app'] },
          ],
        },
      ],
    },
  },
  {
    // The drivers (PostgreSQL, PGlite, Kafka, KurrentDB) live behind their ports: only the
    // adapters import them, so swapping or faking one touches one file.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: [
      'libs/postgres/src/pg-client.adapter.ts',
      'libs/postgres/src/pglite-client.adapter.ts',
      'libs/messaging/src/kafka-message-bus.adapter.ts',
      'libs/event-store/src/eventstoredb/**',
      'libs/domain/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['pg', 'pg-copy-streams', 'kafkajs'].map((name) => ({ name, message: DRIVERS })),
          patterns: [{ group: ['@electric-sql/*', '@eventstore/*'], message: DRIVERS }],
        },
      ],
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
            {
              group: ['@nestjs/*', 'pg', 'kafkajs', '@electric-sql/*', '@eventstore/*', 'express'],
              message: 'libs/domain imports no framework and does no I/O',
            },
          ],
        },
      ],
    },
  },
];
