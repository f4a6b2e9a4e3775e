import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'bench', include: ['test/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 600_000 },
  resolve: { conditions: ['development'] },
})
