import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import plugins from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  for (const p of plugins) {
    it(`documents every option of ${p.name} with its default`, () => {
      expect(readme).toContain(`### \`${p.name}\``)
      for (const [key, schema] of Object.entries((p.options as { properties: Record<string, { default?: unknown }> }).properties)) {
        const row = readme.split('\n').find((l) => l.startsWith(`| \`${key}\` |`))
        expect(row, `row for ${key}`).toBeDefined()
        const shown = typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default)
        expect(row).toContain(`\`${shown}\``)
      }
    })
  }
})
