import { readFileSync } from 'node:fs'
import type { Plugin } from '../plugin.js'
import { runner } from './runner.js'

/**
 * Checks that a package README names each plugin (`` `name` ``) and documents every option
 * in a table row `| \`key\` | … | \`default\` | …`, so the README cannot drift from the schemas.
 */
export function describeReadmeOptions(readmeUrl: URL, plugins: readonly Plugin[]): void {
  const { describe, expect, it } = runner()
  const readme = readFileSync(readmeUrl, 'utf8')
  const rows = readme.split('\n')
  describe('README', () => {
    for (const p of plugins) {
      it(`documents every option of ${p.name} with its default`, () => {
        expect(readme, `mentions ${p.name}`).toContain(`\`${p.name}\``)
        for (const [key, schema] of Object.entries((p.options as { properties: Record<string, { default?: unknown }> }).properties)) {
          const row = rows.find((l) => l.startsWith(`| \`${key}\` |`))
          expect(row, `row for ${key}`).toBeDefined()
          if (!('default' in schema)) continue
          const shown = typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default)
          expect(row).toContain(`\`${shown}\``)
        }
      })
    }
  })
}
