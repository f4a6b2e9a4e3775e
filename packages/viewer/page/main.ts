import type { ScoresReply, ViewerInfo } from '../src/wire.js'
import { labelColours, rampCss } from './colours.js'
import { drawImage, drawMaskMap, drawOverlay, type OverlayFigures, type OverlayQuery } from './frame-panel.js'
import { inlineSource, serverSource, type DataSource, type InlineData } from './source.js'
import { View3D, type ColourMode } from './view3d.js'

/** Everything the page shows, readable from outside (`window.plafViewer.state`, used by the browser tests). */
export interface ViewerState {
  ready: boolean
  error: string | null
  info: ViewerInfo | null
  /** Milliseconds from navigation start until the first draw of the map was issued (the GPU may still be drawing). */
  loadMs: number
  mode: ColourMode
  threshold: number
  /** Range of the heat ramp: the lowest and highest pool score of the text. */
  lo: number
  hi: number
  text: string | null
  /** The text's cosine per pool row (null: the row has no feature). */
  poolScores: (number | null)[] | null
  best: number | null
  labels: string[]
  /** Per label, its cosine per pool row. */
  labelScores: (number | null)[][] | null
  frame: { id: string; loading: boolean; overlay: OverlayFigures | null; error: string | null } | null
  /** Requests in flight. */
  busy: number
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const state: ViewerState = {
  ready: false, error: null, info: null, loadMs: 0, mode: 'colour', threshold: 0.5, lo: 0, hi: 1, text: null, poolScores: null, best: null,
  labels: [], labelScores: null, frame: null, busy: 0,
}
let refs: Uint32Array = new Uint32Array(0)
let view: View3D | null = null
let source: DataSource
const frameCache = new Map<string, { image: HTMLCanvasElement; ids: Uint16Array; width: number; height: number; rows: Map<string, (number | null)[]> }>()

const status = (s: string) => void ($('status').textContent = s)
const fmt = (v: number) => v.toLocaleString('en-US')

async function busy<T>(f: () => Promise<T>): Promise<T | undefined> {
  state.busy++
  try {
    return await f()
  } catch (e) {
    status((e as Error).message)
    return undefined
  } finally {
    state.busy--
  }
}

/** Argmax label per pool row (-1 when the best label scores below the threshold or the row has no feature). */
function rowLabels(): Int16Array {
  const s = state.labelScores ?? []
  const rows = s[0]?.length ?? 0
  const out = new Int16Array(rows).fill(-1)
  for (let r = 0; r < rows; r++) {
    let best = -Infinity
    for (let l = 0; l < s.length; l++) {
      const v = s[l][r]
      if (v !== null && v > best) {
        best = v
        out[r] = l
      }
    }
    if (best < state.threshold) out[r] = -1
  }
  return out
}

/** Per point: 1 where its pool row's score reaches the threshold (heat), or its label + 1 (labels; 0 = none). */
function pointValues(): Uint8Array {
  const out = new Uint8Array(refs.length)
  if (state.mode === 'heat' && state.poolScores) {
    const s = state.poolScores
    for (let i = 0; i < refs.length; i++) out[i] = (s[refs[i]] ?? -Infinity) >= state.threshold ? 1 : 0
  } else if (state.mode === 'labels' && state.labelScores) {
    const l = rowLabels()
    for (let i = 0; i < refs.length; i++) out[i] = l[refs[i]] + 1
  }
  return out
}

function recolour(): void {
  if (!view) return
  const scores = state.poolScores ? Float32Array.from(state.poolScores, (v) => (v === null ? NaN : v)) : undefined
  const palette = labelColours(state.labels)
  view.colour(state.mode, { rowScores: scores, rowLabels: state.labelScores ? rowLabels() : undefined, palette, threshold: state.threshold, lo: state.lo, hi: state.hi })
  for (const m of ['colour', 'heat', 'labels'] as const) $(`mode-${m}`).classList.toggle('on', state.mode === m)
  const span = state.hi - state.lo || 1
  const at = Math.min(100, Math.max(0, (100 * (state.threshold - state.lo)) / span))
  ;($('colourbar').querySelector('.below') as HTMLElement).style.width = `${at}%`
  ;($('colourbar').querySelector('.mark') as HTMLElement).style.left = `calc(${at}% - 1px)`
  $('bar-lo').textContent = state.lo.toFixed(2)
  $('bar-hi').textContent = state.hi.toFixed(2)
  $('threshold-value').textContent = `≥ ${state.threshold.toFixed(2)}`
  const n = pointValues()
  if (state.mode === 'heat' && state.text) {
    let sel = 0
    for (const v of n) sel += v
    $('query-result').textContent = `"${state.text}": ${fmt(sel)} of ${fmt(refs.length)} points, best ${state.best === null ? '-' : state.best.toFixed(2)}`
  }
  $('legend').replaceChildren(...state.labels.map((l, k) => {
    const d = document.createElement('div')
    const sw = document.createElement('span')
    sw.className = 'swatch'
    sw.style.background = `rgb(${palette[k].join(',')})`
    let c = 0
    for (const v of n) if (v === k + 1) c++
    d.append(sw, `${l} (${fmt(c)} points)`)
    return d
  }))
  void redrawOverlay()
}

function setRange(values: (number | null)[][]): void {
  let lo = Infinity, hi = -Infinity
  for (const s of values) for (const v of s) if (v !== null) {
    lo = Math.min(lo, v)
    hi = Math.max(hi, v)
  }
  if (lo > hi) [lo, hi] = [0, 1]
  state.lo = lo
  state.hi = hi
  const slider = $<HTMLInputElement>('threshold')
  slider.min = String(Math.floor(Math.min(lo, state.threshold) * 100) / 100)
  slider.max = String(Math.ceil(Math.max(hi, state.threshold) * 100) / 100)
  slider.value = String(state.threshold)
}

async function runQuery(text: string): Promise<void> {
  const r = await busy(() => source.query([text]))
  if (r === undefined) return
  if (r === null) return status(`this exported page holds only the precomputed queries: ${state.info?.queries.join(', ')}`)
  state.text = text
  state.poolScores = r.scores[0]
  state.best = r.best[0]
  state.mode = 'heat'
  setRange(r.scores)
  status('')
  recolour()
}

async function runLabels(labels: string[]): Promise<void> {
  const r = await busy(() => source.query(labels))
  if (r === undefined) return
  if (r === null) return status(`this exported page holds only the precomputed labels: ${state.info?.labels.join(', ')}`)
  state.labels = labels
  state.labelScores = r.scores
  state.mode = 'labels'
  status('')
  recolour()
}

async function frameRows(id: string, texts: string[]): Promise<(number | null)[][]> {
  const f = frameCache.get(id)!
  const missing = texts.filter((t) => !f.rows.has(t))
  if (missing.length) {
    const r: ScoresReply = await source.frameQuery(id, missing)
    r.texts.forEach((t, i) => f.rows.set(t, r.scores[i]))
  }
  return texts.map((t) => f.rows.get(t)!)
}

async function redrawOverlay(): Promise<void> {
  const fr = state.frame
  const f = fr && frameCache.get(fr.id)
  if (!fr || !f) return
  let q: OverlayQuery = null
  if (state.mode === 'heat' && state.text) q = { kind: 'text', text: state.text, rowScores: (await frameRows(fr.id, [state.text]))[0], threshold: state.threshold }
  if (state.mode === 'labels' && state.labels.length) q = { kind: 'labels', labels: state.labels, rowScores: await frameRows(fr.id, state.labels), threshold: state.threshold }
  if (state.frame?.id !== fr.id) return
  fr.overlay = drawOverlay($('frame-overlay'), f.image, f.ids, f.width, f.height, q, labelColours(state.labels))
  $('cap-overlay').textContent = q ? `query overlay: ${fmt(fr.overlay.hitPixels)} of ${fmt(fr.overlay.pixels)} pixels` : 'query overlay (score a text or labels)'
}

async function showFrame(id: string): Promise<void> {
  state.frame = { id, loading: true, overlay: null, error: null }
  view?.highlight(id)
  $('frame-panel').classList.add('open')
  $('cap-image').textContent = `frame ${id}`
  for (const b of $('frames').querySelectorAll('button')) b.classList.toggle('on', b.dataset.frame === id)
  const ok = await busy(async () => {
    if (!frameCache.has(id)) {
      const img = new Image()
      img.src = source.frameImage(id)
      const [ids] = await Promise.all([source.frameIds(id), img.decode()])
      const image = document.createElement('canvas')
      drawImage(image, img, ids.width, ids.height)
      frameCache.set(id, { image, ...ids, rows: new Map() })
      if (frameCache.size > 6) frameCache.delete(frameCache.keys().next().value!)
    }
    const f = frameCache.get(id)!
    if (state.frame?.id !== id) return true
    drawImage($('frame-image'), f.image as unknown as HTMLImageElement, f.width, f.height)
    drawMaskMap($('frame-masks'), f.ids, f.width, f.height)
    await redrawOverlay()
    return true
  })
  if (state.frame?.id === id) {
    state.frame.loading = false
    if (!ok) state.frame.error = $('status').textContent
  }
}

function listFrames(info: ViewerInfo): void {
  view?.setFrames(info.frames)
  $('frames').replaceChildren(...info.frames.map((f) => {
    const b = document.createElement('button')
    b.textContent = f.id
    b.dataset.frame = f.id
    b.disabled = !f.stored
    b.title = f.stored ? `show frame ${f.id}` : info.exported ? 'an exported page holds no frame images' : 'the run stored no 2D memory for this frame'
    b.onclick = () => void showFrame(f.id)
    return b
  }))
}

async function pollFrames(): Promise<void> {
  while (state.info && !state.info.framesComplete) {
    await new Promise((r) => setTimeout(r, 400))
    const info = await busy(() => source.info())
    if (!info) return
    state.info = info
    listFrames(info)
  }
  if (state.info?.framesError) status(`camera path incomplete: ${state.info.framesError}`)
}

async function start(): Promise<void> {
  const inline = document.getElementById('plaf-data')
  source = inline ? inlineSource(JSON.parse(inline.textContent!) as InlineData) : serverSource()
  const info = await source.info()
  state.info = info
  state.threshold = info.threshold
  $('run').textContent = `plaf view: ${info.run}`
  document.title = `plaf view: ${info.run}`
  $('colourbar').style.background = rampCss()
  $('examples').replaceChildren(...[...info.queries].map((q) => Object.assign(document.createElement('option'), { value: q })))
  $<HTMLInputElement>('label-texts').value = info.labels.join(',')
  const p = await source.points((f) => void ($('stats').textContent = `loading points ${Math.round(100 * f)} %`))
  refs = p.refs
  view = new View3D($('view'), p, (id) => void showFrame(id))
  listFrames(info)
  const shown = info.pointsShown < info.points ? `${fmt(info.pointsShown)} of ${fmt(info.points)} points (subsampled for export)` : `${fmt(info.points)} points`
  $('stats').textContent = `${shown}, ${fmt(info.poolRows)} pool rows, encoder ${info.encoder}${info.exported ? '; exported page: precomputed queries only' : ''}`
  $<HTMLFormElement>('query-form').onsubmit = (e) => {
    e.preventDefault()
    const t = $<HTMLInputElement>('text').value.trim()
    if (t) void runQuery(t)
  }
  $<HTMLFormElement>('labels-form').onsubmit = (e) => {
    e.preventDefault()
    const l = $<HTMLInputElement>('label-texts').value.split(',').map((x) => x.trim()).filter(Boolean)
    if (l.length) void runLabels(l)
  }
  $<HTMLInputElement>('threshold').oninput = (e) => {
    state.threshold = Number((e.target as HTMLInputElement).value)
    recolour()
  }
  for (const m of ['colour', 'heat', 'labels'] as const) {
    $(`mode-${m}`).onclick = () => {
      if ((m === 'heat' && !state.poolScores) || (m === 'labels' && !state.labelScores)) return status(m === 'heat' ? 'score a text first' : 'give labels first')
      state.mode = m
      recolour()
    }
  }
  recolour()
  state.loadMs = performance.now()
  state.ready = true
  void pollFrames()
}

declare global {
  interface Window {
    plafViewer: {
      state: ViewerState
      pointValues: () => Uint8Array
      renders: () => number
      query: (t: string) => Promise<void>
      labels: (l: string[]) => Promise<void>
      /** Client coordinates of a frame's marker on the camera path (to click it), or null. */
      marker: (id: string) => { x: number; y: number } | null
    }
  }
}
window.plafViewer = { state, pointValues, renders: () => view?.renders ?? 0, query: runQuery, labels: runLabels, marker: (id) => view?.markerOnScreen(id) ?? null }
start().catch((e: unknown) => {
  state.error = (e as Error).message
  status(`could not load the run: ${state.error}`)
})
