// ESLint flat config: type-aware rules catch the async bugs that matter in NATS/mockttp/fastify code.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/dist/**', 'web/build/**', '**/node_modules/**', 'data/**', 'bench-results/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    // protocol also ships to the browser
    files: ['protocol/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*'] }],
      'no-restricted-globals': ['error', 'Buffer', 'process'],
    },
  },
  {
    // captured content must never become markup in the GUI's origin (tests/src/gui-safety-lint.test.ts)
    files: ['web/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'lit/directives/unsafe-html.js',
              message: 'captured content must never become HTML',
            },
            {
              name: 'lit/directives/unsafe-svg.js',
              message: 'captured content must never become SVG',
            },
            {
              name: 'lit/directives/unsafe-mathml.js',
              message: 'captured content must never become markup',
            },
            {
              name: 'lit/static-html.js',
              importNames: ['unsafeStatic'],
              message: 'captured content must never become markup',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'use Lit templates' },
        { property: 'outerHTML', message: 'use Lit templates' },
        { property: 'insertAdjacentHTML', message: 'use Lit templates' },
        { property: 'setHTMLUnsafe', message: 'use Lit templates' },
        { property: 'createContextualFragment', message: 'use Lit templates' },
        { object: 'document', property: 'write', message: 'use Lit templates' },
        { object: 'document', property: 'writeln', message: 'use Lit templates' },
        {
          property: 'srcdoc',
          message: 'no srcdoc: the HTML preview frame loads the analyzer route (CSP as a header)',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          // `.innerHTML=${…}` / `srcdoc=${…}` bindings inside Lit templates
          selector:
            'TaggedTemplateExpression TemplateElement[value.raw=/(innerHTML|outerHTML|srcdoc)\\s*=\\s*"?$/]',
          message: 'captured content must never become markup: no innerHTML/srcdoc bindings',
        },
        {
          selector: 'ImportSpecifier[imported.name=/^unsafe(HTML|SVG|MathML|Static)$/]',
          message: 'captured content must never become markup',
        },
        {
          selector: 'NewExpression[callee.name=/^(DOMParser|Function)$/]',
          message: 'no HTML parsing or code generation in the GUI',
        },
        {
          selector:
            'CallExpression[callee.name=/^(eval|setTimeout|setInterval)$/] > Literal:first-child',
          message: 'no string evaluation',
        },
      ],
    },
  },
  {
    // web unit tests (node --test) are type-checked with their own project, not web/tsconfig.json
    files: ['web/src/**/*.test.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: ['web/tsconfig.test.json'] },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
