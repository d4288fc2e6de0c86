import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-output/', 'assembly/'] }, // assembly/: AssemblyScript, checked by its compiler
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // The page's script runs in the browser.
  { files: ['public/**/*.js'], languageOptions: { globals: globals.browser } },
  // The examples are plain Node scripts, as a user would copy them.
  { files: ['examples/**/*.mjs'], languageOptions: { globals: globals.node } },
);
