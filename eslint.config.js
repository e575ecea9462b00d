import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.dependency-cruiser.cjs', 'dist/**', 'node_modules/**', 'data/**', 'bench/results/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The console's page runs in the browser: its globals, as ES modules.
    files: ['console/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(['window', 'document', 'location', 'fetch', 'FormData', 'URLSearchParams', 'addEventListener', 'removeEventListener', 'setTimeout', 'clearTimeout'].map((name) => [name, 'readonly'])),
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The domain is pure: no framework, no SDK, no I/O, no clock.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', '@nestjs/*', '../../modules/*', '../../projections/*'] }] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time comes in through the command' }],
      'no-restricted-globals': ['error', { name: 'crypto', message: 'ids come in through the command' }],
    },
  },
);
