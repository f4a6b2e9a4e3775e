import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { randomWeightsWarning } from '@plaf/core'
import { escapeHtml, warningsBanner } from '../src/banner.js'
import { exportPage } from '../src/export.js'
import { viewerWarnings, type ViewerData } from '../src/run-data.js'
import { startViewer } from '../src/server.js'
import type { ExportedData, ViewerInfo } from '../src/wire.js'
import { fixtureData } from './fixture.js'

const fx = fixtureData()
afterAll(() => fx.cleanup())

/** A run manifest's models as plaf run records them: one real model, one contract model with random weights. */
const MODELS = [
  { name: 'siglip-so400m-text', version: '1.0.0', sha256: '1'.repeat(64), licence: 'apache-2.0', family: 'siglip', graphs: {}, pulled: true },
  { name: 'radio-v2.5-b', version: '0.0.0-contract', sha256: '0'.repeat(64), licence: 'none', family: 'radio', graphs: {}, pulled: false, random_weights: true },
]
const contract = randomWeightsWarning({ name: 'radio-v2.5-b', version: '0.0.0-contract' })

const withWarningsOf = (runDir: string): ViewerData => ({ ...fx.data, runDir, info: { ...fx.data.info, warnings: viewerWarnings(runDir) } })
const inlined = (html: string) => JSON.parse(/<script id="plaf-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]) as ExportedData
const bannerOf = (html: string) => /<div id="warnings" role="alert">.*?<\/ul><\/div>/s.exec(html)?.[0] ?? null

describe('the run\'s warnings in the viewer', () => {
  it('viewerWarnings: PLAF_RANDOM_WEIGHTS in core\'s words for each random-weight model the manifest records, without the manifest\'s path; none without', () => {
    writeFileSync(join(fx.data.runDir, 'manifest.json'), JSON.stringify({ models: MODELS }))
    expect(viewerWarnings(fx.data.runDir)).toEqual([{ code: 'PLAF_RANDOM_WEIGHTS', message: contract.message, hint: contract.hint }])
    expect(JSON.stringify(viewerWarnings(fx.data.runDir))).not.toContain(fx.root)
    writeFileSync(join(fx.data.runDir, 'manifest.json'), JSON.stringify({ models: MODELS.slice(0, 1) }))
    expect(viewerWarnings(fx.data.runDir)).toEqual([])
    expect(viewerWarnings(join(fx.root, 'no-such-run'))).toEqual([])
  })

  it('the served info and page of a run with a random-weight model carry the warning in a banner; a run without one has none', async () => {
    writeFileSync(join(fx.data.runDir, 'manifest.json'), JSON.stringify({ models: MODELS }))
    const warned = await startViewer(withWarningsOf(fx.data.runDir), { port: 0 })
    const plain = await startViewer(fx.data, { port: 0 })
    try {
      const info = (await (await fetch(`${warned.url}api/info`)).json()) as ViewerInfo
      expect(info.warnings).toEqual([{ code: 'PLAF_RANDOM_WEIGHTS', message: contract.message, hint: contract.hint }])
      const banner = bannerOf(await (await fetch(warned.url)).text())
      expect(banner).toContain('<code>PLAF_RANDOM_WEIGHTS</code> model radio-v2.5-b@0.0.0-contract is a generated contract model with random weights')
      expect(banner).toContain('plaf models pull radio-v2.5-b')
      expect(((await (await fetch(`${plain.url}api/info`)).json()) as ViewerInfo).warnings).toEqual([])
      const page = await (await fetch(plain.url)).text()
      expect(page).not.toContain('id="warnings"')
      expect(page).not.toContain('PLAF_WARNINGS') // the placeholder is gone too
    } finally {
      await warned.close()
      await plain.close()
    }
  })

  it('an exported page carries the warning in its data and in a banner written into the HTML; a run without one has no banner', async () => {
    writeFileSync(join(fx.data.runDir, 'manifest.json'), JSON.stringify({ models: MODELS }))
    const warned = (await exportPage(withWarningsOf(fx.data.runDir), { maxPoints: 4, frames: 0 })).html
    expect(inlined(warned).info.warnings.map((w) => [w.code, w.message])).toEqual([['PLAF_RANDOM_WEIGHTS', contract.message]])
    expect(bannerOf(warned)).toContain(`<code>PLAF_RANDOM_WEIGHTS</code> ${escapeHtml(contract.message)}<div class="hint">${escapeHtml(contract.hint!)}</div>`)
    expect(warned).not.toContain(fx.root) // no local path in a page that is sent around
    const plain = (await exportPage(fx.data, { maxPoints: 4, frames: 0 })).html
    expect(plain).not.toContain('id="warnings"')
    expect(inlined(plain).info.warnings).toEqual([])
  })

  it('escapes what it shows: a model name or query with markup is text in the banner and cannot end the inlined data', async () => {
    const evil = '<img src=x onerror=alert(1)>"\'&</script><!--'
    const w = randomWeightsWarning({ name: evil, version: '1' })
    const banner = warningsBanner([{ code: w.code, message: w.message, hint: w.hint }])
    expect(banner).not.toContain('<img')
    expect(banner).not.toContain('</script')
    expect(banner).toContain('model &lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;&lt;/script&gt;&lt;!--@1 is a generated contract model')
    expect(banner.match(/<li>/g)).toHaveLength(1)
    const data: ViewerData = { ...fx.data, info: { ...fx.data.info, warnings: [{ code: w.code, message: w.message }] } }
    const html = (await exportPage(data, { texts: [evil], maxPoints: 4, frames: 0 })).html
    const d = inlined(html) // the data element ends where the page put its end, and reads back whole
    expect(d.info.warnings[0].message).toBe(w.message)
    expect(d.queries!.texts).toEqual([evil])
    expect(html.match(/<img/g)).toBeNull()
    expect(warningsBanner([])).toBe('')
  })
})
