import { defaultServerConditions } from 'vite'
import { defineProject } from 'vitest/config'

export default defineProject({
  // 300 s per test: a guard against hangs, not a speed check (speed goals live in the benchmarks).
  // Two workers share the 2 cores, and a whole pipeline or Python suite in one test took 120-160 s
  // next to another such file at load 15, against 20-30 s alone on a quiet machine.
  test: { name: 'e2e', include: ['**/*.test.ts'], environment: 'node', testTimeout: 300_000, hookTimeout: 600_000 },
  // tests run the TypeScript sources: the `@plaf/source` export condition (published packages use dist/)
  ssr: { resolve: { conditions: ['@plaf/source', ...defaultServerConditions] } },
})
