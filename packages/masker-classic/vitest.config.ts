import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'masker-classic', include: ['test/**/*.test.ts'], environment: 'node' },
  resolve: { conditions: ['development'] },
})
