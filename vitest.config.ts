import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// Timeouts live in each project's config (projects do not inherit them).
// One root run over every package plus the cross-package tests in test/ (faster than N runs on 2 cores).
// Workers: vitest's default for `run` is one less than the cores, i.e. ONE on the 2-core CI machine,
// which ran the whole suite file after file while the second core mostly idled (tests wait on child
// processes, Python references and file I/O). Two at least (docs/testing.md, "Keeping the suite fast").
export default defineConfig({
  test: {
    projects: ['packages/*', 'test', 'bench'],
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
