// One lint standard for the server, the tools, the tests and the dashboard, run by `npm run lint`
// (and so by `npm test` and CI). Formatting is Prettier's job (.prettierrc.json), not ESLint's.
// The typed rule set (recommendedTypeChecked) is left out on purpose: it needs a full program
// per file and would make the lint step as slow as the type check, which `npm test` runs anyway.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/', 'coverage/', 'bench/out/', 'data/', 'tmp/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are the codebase's way to say "deliberately unused" (a positional
      // parameter, a destructured field left out of a rest object).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // The dashboard loads its data in effects (no data-fetching library): raising the loading
      // flag, or resetting a form to a new prop, before the request is that pattern, not a bug.
      'react-hooks/set-state-in-effect': 'off',
    },
  },
);
