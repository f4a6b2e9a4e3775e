import { readFileSync } from 'node:fs'
import type { Plugin } from '../plugin.js'
import { runner } from './runner.js'

/**
 * Checks that a package README names each plugin (`` `name` ``) and documents every option
 * in a table row `| \`key\` | … | \`default\` | …` (the first such row after a heading that names
 * the plugin, so two plugins of one README may share option names), so the README cannot drift
 * from the schemas.
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
          // The plugin's own table: the first row after its heading, where the README has one.
          const from = Math.max(0, rows.findIndex((l) => l.startsWith('#') && l.includes(`\`${p.name}\``)))
          const row = rows.slice(from).find((l) => l.startsWith(`| \`${key}\` |`))
          expect(row, `row for ${key}`).toBeDefined()
          if (!('default' in schema)) continue
          const shown = typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default)
          expect(row).toContain(`\`${shown}\``)
        }
      })
    }
  })
}
