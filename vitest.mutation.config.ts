import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The vitest configuration Stryker runs (stryker.config.json, `npm run mutate`): only the packages
// whose kernels or file formats are mutated. Stryker copies the repository into a sandbox, but
// node_modules/@plaf/* are workspace symlinks back into the original tree, so `@plaf/<pkg>` is
// aliased to the sandbox's own sources here: every test then sees the mutated code, whichever way
// it imports it. `@plaf/source` is the export condition the normal suite uses for the same reason.
const root = fileURLToPath(new URL('.', import.meta.url))
const packages = ['aggregator', 'backbone-lexicon', 'core', 'lifter', 'masker-classic', 'query']

export default defineConfig({
  test: {
    projects: packages.map((name) => ({
      root: `${root}packages/${name}`,
      resolve: {
        conditions: ['@plaf/source'],
        alias: [
          { find: /^@plaf\/core\/testing$/, replacement: `${root}packages/core/src/testing/index.ts` },
          { find: /^@plaf\/([\w-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
        ],
      },
      test: { name, include: ['test/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 600_000 },
    })),
  },
})
