import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'backbone-lexicon', include: ['test/**/*.test.ts'], environment: 'node' },
  resolve: { conditions: ['development'] },
})
