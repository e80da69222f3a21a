// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'out/**', 'bench/results/**', 'bench/.cache/**', 'coverage/**', 'bin/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // The pure core: no AWS SDK, no filesystem, no environment (the folders of DESIGN.md's layout).
    files: [
      'shared/geometry/**', 'shared/batching/**', 'shared/coverage/**', 'shared/stats/**', 'shared/tiff/**', 'shared/crs/**',
      'shared/timeseries/mask.ts', 'shared/timeseries/expression.ts', 'shared/timeseries/intervals.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', 'node:fs', 'node:fs/*', 'fs', 'fs/*'] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'The pure core never reads the environment.' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
