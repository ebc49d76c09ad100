// ESLint (flat config): the recommended JavaScript and typescript-eslint rules plus a few type-aware ones that
// catch real bugs (a promise nobody awaits or catches, awaiting a non-promise, a promise where a callback's
// boolean or void is expected), and eslint-plugin-svelte for the views. Style is Prettier's business
// (.prettierrc.json), not lint's. `npm run lint` runs both.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/', 'dist/', 'node_modules/', 'build/', 'models/', 'docs/', 'test/fixtures/', 'test/.output/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // `_name` marks a parameter an override or callback signature requires but this body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The tree writes two effects on one line as a comma sequence, `if (c) (a.add(x), b.push(x));`, which this
      // rule cannot tell from a statement that does nothing (TypeScript still refuses a comma operand without effect).
      '@typescript-eslint/no-unused-expressions': 'off',
      // Suggestions of idiom, not bugs: plain Map/Set where nothing renders from them, $effect-synced inputs.
      'svelte/prefer-svelte-reactivity': 'off',
      'svelte/prefer-writable-derived': 'off',
    },
  },
  {
    // The renderer, and the page.evaluate() bodies of the screenshot script, run in the browser.
    files: ['src-renderer/**', 'test/renderer/screenshots.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Fakes of Electron's API in tests stand in for objects typed by electron itself.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['**/*.ts', '**/*.svelte'],
    languageOptions: { parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
);
