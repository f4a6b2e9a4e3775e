import { defaultServerConditions } from 'vite'
import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'viewer', include: ['test/**/*.test.ts'], globalSetup: ['test/global-setup.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 600_000,
    // one worker process runs many of these files (no fork and re-import per file): they share no
    // state, and env/global stubs are undone after each test (docs/testing.md, "Keeping the suite fast")
    isolate: false, unstubEnvs: true, unstubGlobals: true },
  // tests run the TypeScript sources: the `@plaf/source` export condition (published packages use dist/)
  ssr: { resolve: { conditions: ['@plaf/source', ...defaultServerConditions] } },
})
