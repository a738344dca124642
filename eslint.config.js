// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules
// over every TypeScript file of the repository, the templates included.
// Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/.wrangler/',
      '**/.neon-localhost/',
      '**/worker-configuration.d.ts',
      'test-artifacts/',
      'bench/results/',
      'templates/**/migrations/meta/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a parameter or binding kept on purpose (a
      // callback's signature, a key left out of a rest object).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
);
