// ESLint flat config: typescript-eslint's recommended rules for src, tests and bench, ESLint's own
// recommended rules for the plain JS (bin, scripts, fixtures). Formatting is prettier's job
// (.prettierrc.json), so no stylistic rules here; `npm run lint` runs eslint, prettier and actionlint.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// `_`-prefixed names are deliberately unused (a parameter kept for its position, a destructured rest).
const unusedVars = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }]

export default tseslint.config(
  {
    // Generated or vendored: the ncc bundle, compiled bench, dependencies, fixture build output.
    ignores: ['dist/', 'lib/', 'coverage/', '**/node_modules/', 'fixtures/java/target/', 'fixtures/**/.venv/']
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-unused-vars': unusedVars, eqeqeq: ['error', 'always', { null: 'ignore' }] }
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A `let` read by a callback before its one assignment (load.ts' watchdog) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }]
    }
  },
  {
    files: ['__tests__/**/*.ts', '__fixtures__/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } }
  },
  {
    // Tests corrupt parsed JSON on purpose and the bench reads loose JSON rows: `any` is the honest type
    // there. src has none and keeps the rule.
    files: ['__tests__/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },
  {
    // Logging goes through @actions/core or the CLI's own writers: no stray console output in src.
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' }
  },
  {
    // Size limits of issue 26, for src only: tests (long describe blocks of table cases) and the bench's
    // scenario scripts are exempt from the function length. A function counts every line of its body,
    // blank lines and comments included: what a reader has to scroll through. Lines count everything too
    // (comments, strings, template literals, URLs): prettier wraps code at 120, a long message is split
    // with `+` or joined from an array, a long comment is re-wrapped.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
      'max-len': [
        'error',
        {
          code: 120,
          tabWidth: 2,
          ignoreUrls: false,
          ignoreStrings: false,
          ignoreTemplateLiterals: false,
          ignoreRegExpLiterals: false,
          ignoreComments: false
        }
      ]
    }
  }
)
