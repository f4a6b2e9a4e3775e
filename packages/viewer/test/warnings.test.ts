import { rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
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

  it('viewerWarnings: a shard (shard.json with fewer frames than the input) or a merge that left shards out is PLAF_INPUT_INVALID with k of N frames, the run named by its directory\'s name; a shard of every frame and a full merge are not', async () => {
    const name = basename(fx.data.runDir)
    const shardFile = join(fx.data.runDir, 'shard.json')
    writeFileSync(join(fx.data.runDir, 'manifest.json'), JSON.stringify({ models: MODELS.slice(0, 1), input: { frames: 7 } }))
    try {
      writeFileSync(shardFile, JSON.stringify({ format: 'plaf-shard', version: 1, shard: 1, of: 2, chunk: 2, frames_total: 7, frames: [2, 3, 6] }))
      const [w, ...rest] = viewerWarnings(fx.data.runDir)
      expect(rest).toEqual([])
      expect(w).toEqual({
        code: 'PLAF_INPUT_INVALID',
        message: `${name} is shard 1/2 of a sharded run (plaf run --shard 1/2, chunks of 2 frames): it holds 3 of the input's 7 frames; query results cover only those frames`,
        hint: 'to query the whole input, merge the run\'s 2 shards first: plaf merge <the 2 shard dirs> --out <merged dir>, then query or view the merged run',
      })
      const warned = await startViewer(withWarningsOf(fx.data.runDir), { port: 0 })
      try {
        expect(((await (await fetch(`${warned.url}api/info`)).json()) as ViewerInfo).warnings).toEqual([w])
        expect(bannerOf(await (await fetch(warned.url)).text())).toContain(`<code>PLAF_INPUT_INVALID</code> ${escapeHtml(w.message)}`)
      } finally {
        await warned.close()
      }
      const page = (await exportPage(withWarningsOf(fx.data.runDir), { maxPoints: 4, frames: 0 })).html
      expect(bannerOf(page)).toContain(escapeHtml('it holds 3 of the input\'s 7 frames'))
      expect(page).not.toContain(fx.root)
      writeFileSync(shardFile, JSON.stringify({ format: 'plaf-shard', version: 1, shard: 0, of: 1, chunk: 25, frames_total: 7, frames: [0, 1, 2, 3, 4, 5, 6] }))
      expect(viewerWarnings(fx.data.runDir)).toEqual([])
      rmSync(shardFile)
      const shards = [{ dir: 's0', shard: '0/3', frames: [0, 1, 6] }, { dir: 's1', shard: '1/3', frames: [2, 3] }, { dir: 's2', shard: '2/3', frames: [4, 5] }]
      writeFileSync(join(fx.data.runDir, 'manifest.json'), JSON.stringify({ input: { frames: 7 }, merged: { shards: [shards[0], shards[2]] } }))
      expect(viewerWarnings(fx.data.runDir).map((x) => x.message)).toEqual([`${name} is a plaf merge of shards 0/3, 2/3 only (shard 1/3 left out): it holds 5 of the input's 7 frames; query results cover only those frames`])
      writeFileSync(join(fx.data.runDir, 'manifest.json'), JSON.stringify({ input: { frames: 7 }, merged: { shards } }))
      expect(viewerWarnings(fx.data.runDir)).toEqual([])
    } finally {
      rmSync(shardFile, { force: true })
    }
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
