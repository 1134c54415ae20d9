import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/ in layers, from the bottom: a folder imports only from the folders before it in this list,
 * never from one after it (docs/ARCHITECTURE.md). workers/ holds the process entry points, above them all.
 */
const LAYERS = [
  'types', 'errors', 'config', 'runtime', 'log', 'redis', 'csv', 'campaign', 'pub', 'limiter', 'schedule', 'queue',
  'plan', 'metrics', 'report', 'dispatch', 'scheduler', 'view', 'worker', 'emulator', 'demo', 'console', 'cli', 'workers',
];

/** A relative specifier that passes through `folder/`, as in `../queue/producer.js` or `../../src/cli/main.js`. */
const through = (folder) => `^\\.\\.?/(.*/)?${folder}/`;

/** Fails an import (static, re-export or `import()`) from a layer above `layer`. */
function layerBlock(layer, index) {
  const above = LAYERS.slice(index + 1);
  const why = (upper) => `${layer}/ is below ${upper}/ and may import only from the layers below it (docs/ARCHITECTURE.md)`;
  // esquery regex literals cannot hold a '/', so the selector spells it \x2F.
  const dynamic = (upper) => `ImportExpression[source.value=/${through(upper).replaceAll('/', '\\x2F')}/]`;
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: above.map((upper) => ({ regex: through(upper), message: why(upper) })) }],
      'no-restricted-syntax': ['error', ...above.map((upper) => ({ selector: dynamic(upper), message: why(upper) }))],
    },
  };
}

/** A folder of src/ that is in no layer fails until it is placed in LAYERS. */
function unplacedBlock(folder) {
  const message = `src/${folder}/ is in no layer: place it in LAYERS in eslint.config.js and in docs/ARCHITECTURE.md`;
  return { files: [`src/${folder}/**/*.ts`], rules: { 'no-restricted-syntax': ['error', { selector: 'Program', message }] } };
}

const srcFolders = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  ...LAYERS.slice(0, -1).map(layerBlock),
  ...srcFolders.filter((folder) => !LAYERS.includes(folder)).map(unplacedBlock),
);
