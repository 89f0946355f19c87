import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettierRecommended from 'eslint-plugin-prettier/recommended';

const infrastructure = ['@nestjs/*', 'nats', 'typeorm', 'pg', 'express', 'prom-client'];

/** Module boundaries; tests may also use the testing lib, production code may not. */
function boundaries({ tests }) {
  const allow = (...tags) => (tests ? [...tags, 'type:testing'] : tags);
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      // Layers: events are pure TypeScript; the domain imports events only (no decorators, no validation library);
      // contracts add the request DTOs; apps are wiring over everything else.
      {
        sourceTag: 'type:events',
        onlyDependOnLibsWithTags: allow('type:events'),
        bannedExternalImports: [...infrastructure, 'class-validator', 'class-transformer', 'reflect-metadata'],
      },
      {
        sourceTag: 'type:contracts',
        onlyDependOnLibsWithTags: allow('type:contracts', 'type:events'),
        bannedExternalImports: infrastructure,
      },
      {
        sourceTag: 'type:domain',
        onlyDependOnLibsWithTags: allow('type:domain', 'type:events'),
        bannedExternalImports: [...infrastructure, 'class-validator', 'class-transformer', 'reflect-metadata'],
      },
      {
        sourceTag: 'type:data-access',
        onlyDependOnLibsWithTags: allow('type:data-access', 'type:domain', 'type:contracts', 'type:events'),
        bannedExternalImports: ['@nestjs/*'],
      },
      {
        sourceTag: 'type:platform',
        onlyDependOnLibsWithTags: allow(
          'type:platform',
          'type:data-access',
          'type:domain',
          'type:contracts',
          'type:events',
        ),
      },
      {
        sourceTag: 'type:testing',
        onlyDependOnLibsWithTags: allow(
          'type:testing',
          'type:data-access',
          'type:domain',
          'type:contracts',
          'type:events',
        ),
      },
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: allow(
          'type:platform',
          'type:data-access',
          'type:domain',
          'type:contracts',
          'type:events',
        ),
      },
      // The bench and the chaos harness run the system under load and faults: not production code, they may use the
      // testing lib's local servers.
      {
        sourceTag: 'type:harness',
        onlyDependOnLibsWithTags: [
          'type:platform',
          'type:data-access',
          'type:domain',
          'type:contracts',
          'type:events',
          'type:testing',
        ],
      },
      { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: ['type:testing'] },
      // Bounded contexts: each service reaches only its own scope and shared code.
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'scope:tenancy', onlyDependOnLibsWithTags: ['scope:tenancy', 'scope:shared'] },
      { sourceTag: 'scope:batch', onlyDependOnLibsWithTags: ['scope:batch', 'scope:tenancy', 'scope:shared'] },
      { sourceTag: 'scope:update', onlyDependOnLibsWithTags: ['scope:update', 'scope:shared'] },
      { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared'] },
      {
        sourceTag: 'scope:ops',
        onlyDependOnLibsWithTags: ['scope:batch', 'scope:tenancy', 'scope:update', 'scope:shared'],
      },
    ],
  };
}

export default [
  { ignores: ['**/dist', '**/node_modules', '**/*.js', '**/*.mjs', '.flotilla/**'] },
  ...tseslint.configs.recommended,
  // Formatting is Prettier's (.prettierrc.json): a line it would write differently is a lint error.
  prettierRecommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries({ tests: false })],
      // Prettier wraps code at 120; comments are ours to wrap. Strings (SQL, messages, test names) may run on.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    // Domain code never writes into what it is given (states, events, commands): evolve returns a new state.
    files: ['libs/*/domain/src/**/*.ts', 'libs/decider/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-param-reassign': ['error', { props: true }] },
  },
  {
    files: ['**/*.spec.ts', '**/test-fixtures/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@nx/enforce-module-boundaries': ['error', boundaries({ tests: true })],
    },
  },
];
