import { defineConfig } from 'vitest/config'

// Timeouts live in each project's config (projects do not inherit them).
// One root run over every package plus the cross-package tests in test/ (faster than N runs on 2 cores).
export default defineConfig({
  test: {
    projects: ['packages/*', 'test', 'bench'],
    pool: 'forks',
  },
})
