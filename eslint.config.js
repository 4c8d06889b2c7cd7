import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The cloud-neutral layers speak only the CloudProvider port (core/cloudprovider): nothing AWS-specific may leak in.
// Anything EC2 lives behind the port in adapters/aws (docs/cloud-providers.md); this is the check that says so.
const CLOUD_SPECIFIC_IMPORTS = [
  {
    group: [
      '@aws-sdk/*',
      '**/adapters/aws',
      '**/adapters/aws/**',
      '**/apis/aws',
      '**/apis/aws/**',
      '**/adapters/kwok',
      '**/adapters/kwok/**',
      '**/apis/kwok',
      '**/apis/kwok/**',
    ],
    message:
      'core/, workflows/ and activities/ are cloud-neutral: reach a cloud through the CloudProvider port (core/cloudprovider), wired in workers/.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'deploy/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An un-awaited activity or API promise is a classic lost-side-effect bug.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no IO, no AWS/Kubernetes clients.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'net', 'http', 'https', 'child_process', 'crypto', 'os', 'path'],
              message: 'Workflows are deterministic: no Node built-ins.',
            },
            {
              group: ['@kubernetes/*', 'pino'],
              message: 'Workflows reach the outside world only through activities.',
            },
            ...CLOUD_SPECIFIC_IMPORTS,
          ],
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts', 'activities/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: CLOUD_SPECIFIC_IMPORTS }] },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } }
);
