// ESLint for the whole tree (npm run lint; CI allows zero warnings): typescript-eslint's recommended rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'storage/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // TypeScript checks names itself (and knows the DOM/Node types); no-undef only misfires there.
  { files: ['**/*.ts'], rules: { 'no-undef': 'off' } },
  { files: ['**/*.mjs', '**/*.js'], ignores: ['static/**'], languageOptions: { globals: { ...globals.node } } },
  { files: ['static/js/**/*.js'], languageOptions: { sourceType: 'script', globals: { ...globals.browser } } },
  { files: ['static/js/sw.js'], languageOptions: { globals: { ...globals.serviceworker } } },
);
