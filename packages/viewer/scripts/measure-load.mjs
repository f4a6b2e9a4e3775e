#!/usr/bin/env node
// Measures how long the viewer page takes to show a large map, in headless chromium (software
// WebGL, as the tests run it): a synthetic map of N points (default 1,000,000) on M pool rows
// (default 2,000, D = 64), served by startViewer from this package's build (npm run build first).
// Prints the time from navigation to the first frame read back from the GPU (fetch of the binary
// points, upload, first draw; also the page script's own figure, which does not wait for the GPU),
// and the median of 5 text queries (embed on the server + pool cosines + JSON + texture upload +
// redraw, read back). Usage: node packages/viewer/scripts/measure-load.mjs [N] [M]
import { chromium } from 'playwright-core'
import { createReferenceBackend } from '@plaf/core'
import { prepareMap } from '@plaf/query'
import { startViewer } from '../dist/index.js'

const N = Number(process.argv[2] ?? 1_000_000)
const M = Number(process.argv[3] ?? 2_000)
const D = 64
let seed = 1
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32)
const positions = new Float32Array(3 * N)
const colors = new Uint8Array(3 * N)
const refs = new Uint32Array(N)
for (let i = 0; i < N; i++) {
  positions[3 * i] = rnd() * 6; positions[3 * i + 1] = rnd() * 5; positions[3 * i + 2] = rnd() * 3
  colors[3 * i] = 255 * rnd(); colors[3 * i + 1] = 255 * rnd(); colors[3 * i + 2] = 255 * rnd()
  refs[i] = Math.floor(rnd() * M)
}
const map = { positions, colors, refs, pool: { data: Float32Array.from({ length: M * D }, () => rnd() - 0.5), shape: [M, D] }, space: 'random' }
const data = {
  runDir: process.cwd(),
  info: {
    run: `synthetic ${N} points`, points: N, pointsShown: N, poolRows: M, space: 'random', encoder: 'random', queries: [], labels: [], exported: false, frames: [], framesComplete: true,
    scoring: { mode: 'cosine', threshold: 0.2, temperature: 0.1, negatives: [], queries: [] },
  },
  map, prepared: prepareMap(map), tensor: createReferenceBackend(),
  embed: async (texts) => ({ texts, data: Float32Array.from({ length: texts.length * D }, () => rnd() - 0.5), shape: [texts.length, D], space: 'random' }),
  frame: async () => { throw new Error('no frames') },
  framesDone: Promise.resolve(),
  close: async () => {},
}
/** Reads one pixel back: returns only once the GPU (here SwiftShader, on the CPU) has really drawn the frame. */
const drawn = async (page, after) => {
  // the page draws on the next animation frame: wait for that draw, then read it back
  await page.waitForFunction((n) => window.plafViewer.renders() > n, after, { polling: 10, timeout: 120_000 })
  await page.evaluate(() => {
    const gl = document.getElementById('view').getContext('webgl2')
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4))
  })
}
const server = await startViewer(data, { port: 0 })
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] })
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const t0 = Date.now()
  await page.goto(server.url)
  await page.waitForFunction(() => window.plafViewer?.state.ready || window.plafViewer?.state.error, null, { timeout: 120_000, polling: 50 })
  await drawn(page, 0)
  const loadMs = Date.now() - t0
  const inPage = await page.evaluate(() => window.plafViewer.state.loadMs)
  const times = []
  for (let k = 0; k < 5; k++) {
    const before = await page.evaluate(() => window.plafViewer.renders())
    const t = Date.now()
    await page.evaluate((q) => window.plafViewer.query(q), `query ${k}`)
    await drawn(page, before)
    times.push(Date.now() - t)
  }
  times.sort((a, b) => a - b)
  const api = await page.evaluate(async () => {
    const t = []
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now()
      await (await fetch(`/api/query?q=api${k}`)).json()
      t.push(Math.round(performance.now() - t0))
    }
    return t.sort((a, b) => a - b)
  })
  console.log(`${N.toLocaleString('en-US')} points, ${M.toLocaleString('en-US')} pool rows: first frame ${(loadMs / 1000).toFixed(2)} s after navigation (the page issued its first draw after ${(inPage / 1000).toFixed(2)} s); text query to the redrawn frame read back: median ${times[2]} ms (of 5: ${times.join(', ')} ms), of which the server's answer (embed, pool cosines, JSON) median ${api[2]} ms`)
} finally {
  await browser.close()
  await server.close()
}
