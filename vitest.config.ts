import { defineConfig } from 'vitest/config'

// One root run over every package plus the cross-package tests in test/ (faster than N runs on 2 cores).
export default defineConfig({
  test: {
    projects: ['packages/*', 'test'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
