import { fileURLToPath } from 'node:url'
import { defaultServerConditions } from 'vite'
import type { RunnerTestCase } from 'vitest'
import { configDefaults, defineConfig } from 'vitest/config'
import type { Reporter, Vitest } from 'vitest/node'

// The vitest configuration Stryker runs (stryker.config.json, `npm run mutate`); docs/testing.md
// says how to read the results. Only the packages whose kernels or file formats are mutated.
// Stryker copies the repository into a sandbox, but node_modules/@plaf/* are workspace symlinks
// back into the original tree, so `@plaf/<pkg>` is aliased to the sandbox's own sources here:
// every test then sees the mutated code, whichever way it imports it.
const root = fileURLToPath(new URL('.', import.meta.url))
const packages = ['aggregator', 'backbone-lexicon', 'core', 'lifter', 'masker-classic', 'query']
// core: its tests of the file formats; the rest of core (runtime, backends, pipeline language)
// only touches them in passing. backbone-lexicon: not the plugin's tests, which build the 32³-node
// colour lattice (4.5 M soft assignments) several times; instrumented, that is about a minute for
// every mutant of the colour kernels, which the kernel tests check against naive oracles anyway.
const include = (name: string) =>
  name === 'core' ? ['test/formats/**/*.test.ts', 'test/float16.test.ts'] : ['test/**/*.test.ts']
const exclude = (name: string) => [...configDefaults.exclude, ...(name === 'backbone-lexicon' ? ['test/color-lexicon.test.ts'] : [])]

/**
 * A test file that fails to load counts as one failed test. Stryker's vitest runner (9.6.1, and
 * 10.0.0) builds a mutant's result from the tests it collected only, so a mutant that makes a
 * module throw on import (a static table emptied, a module-level loop broken) collected no test
 * and was scored "survived" (stryker-js#6150). Only mutation runs use this reporter.
 */
class LoadFailureAsFailedTest implements Reporter {
  private ctx?: Vitest
  onInit(ctx: Vitest): void {
    this.ctx = ctx
  }
  onTestRunEnd(): void {
    for (const file of this.ctx?.state.getFiles() ?? []) {
      if (file.result?.state !== 'fail' || file.tasks.length > 0) continue
      const test = {
        type: 'test', id: `${file.id}_load`, name: 'test file failed to load', mode: 'run', file, suite: file,
        result: { state: 'fail', errors: file.result.errors }, meta: {}, annotations: [], artifacts: [], timeout: 0,
      } as unknown as RunnerTestCase // vitest types a test with a context only it can build; nothing reads it here
      file.tasks.push(test)
    }
  }
}

export default defineConfig({
  test: {
    reporters: ['default', new LoadFailureAsFailedTest()],
    projects: packages.map((name) => ({
      root: `${root}packages/${name}`,
      resolve: {
        alias: [
          { find: /^@plaf\/core\/testing$/, replacement: `${root}packages/core/src/testing/index.ts` },
          { find: /^@plaf\/([\w-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
        ],
      },
      // The suite's own export condition for sources, as in each package's vitest.config.ts.
      ssr: { resolve: { conditions: ['@plaf/source', ...defaultServerConditions] } },
      test: {
        name, include: include(name), exclude: exclude(name), environment: 'node', testTimeout: 120_000, hookTimeout: 600_000,
        setupFiles: [`${root}vitest.mutation.setup.ts`],
      },
    })),
  },
})
