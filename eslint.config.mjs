import nx from '@nx/eslint-plugin'
import tseslint from 'typescript-eslint'

const heavyNative = ['onnxruntime-node', 'onnxruntime-common', '@tensorflow/*']

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', 'runs', 'demo-data', '.plaf-cache', '**/vitest.config.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', {
        enforceBuildableLibDependency: true,
        // test-only helpers shared by several packages' tests (test/support/; a package's lib
        // tsconfig cannot reach them, so shipped code does not import them)
        allow: ['^(\\.\\./)+test/support/[\\w-]+\\.js$'],
        depConstraints: [
          { sourceTag: 'type:core', onlyDependOnLibsWithTags: [], bannedExternalImports: [] },
          { sourceTag: 'type:plugin', onlyDependOnLibsWithTags: ['type:core'], bannedExternalImports: heavyNative },
          // eval reads data and queries maps through plugin packages; only apps (cli, bench) use it
          { sourceTag: 'type:eval', onlyDependOnLibsWithTags: ['type:core', 'type:plugin'], bannedExternalImports: heavyNative },
          // tools over finished runs (the viewer) score through plugin packages too; only apps use them
          { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:core', 'type:plugin'], bannedExternalImports: heavyNative },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:core', 'type:plugin', 'type:eval', 'type:tool'], bannedExternalImports: heavyNative },
        ],
      }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  {
    // Only the tensor seam and ONNX session modules may touch onnxruntime or tfjs.
    files: ['packages/**/*.ts'],
    ignores: ['packages/core/src/backends/**', 'packages/core/test/backends/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: heavyNative, message: 'Only packages/core/src/backends/ may import onnxruntime or tfjs: use the tensor seam or openOnnxSession from @plaf/core.' }],
      }],
    },
  },
]
