import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PlafError, diagnostic } from '@plaf/core'

/** Where the page bundle lives: `dist/page/` of this package (built by `scripts/bundle.mjs`). */
export const PAGE_DIR = fileURLToPath(new URL('../dist/page/', import.meta.url))

/** The page's HTML template and its bundled script, read from the package; a missing bundle is named. */
export function pageAssets(): { html: string; js: string } {
  const html = `${PAGE_DIR}index.html`
  const js = `${PAGE_DIR}viewer.js`
  for (const f of [html, js]) {
    if (!existsSync(f)) {
      throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `the viewer page is not built: ${f} is missing`, {
        file: f, hint: 'build it with npm run build (or node packages/viewer/scripts/bundle.mjs in a clone)',
      }))
    }
  }
  return { html: readFileSync(html, 'utf8'), js: readFileSync(js, 'utf8') }
}

/** `<script>` content made safe to inline in HTML (no early `</script>`). */
export const inlineScript = (s: string): string => s.replace(/<\/(script)/gi, '<\\/$1')
