import { decodeScores, scoringSummary, thresholdSource, type ExportedData, type ScoreKind, type ScoreMode, type ScoresReply, type ViewerInfo } from '../src/wire.js'
import { labelColours, rampCss } from './colours.js'
import { drawImage, drawMaskMap, drawOverlay, type OverlayFigures, type OverlayQuery } from './frame-panel.js'
import { inlineSource, serverSource, type DataSource } from './source.js'
import { View3D, type ColourMode } from './view3d.js'

/** Everything the page shows, readable from outside (`window.plafViewer.state`, used by the browser tests). */
export interface ViewerState {
  ready: boolean
  error: string | null
  info: ViewerInfo | null
  /** Milliseconds from navigation start until the first draw of the map was issued (the GPU may still be drawing). */
  loadMs: number
  mode: ColourMode
  /** Score mode of the texts and labels (default: the run querier's). */
  scoreMode: ScoreMode
  /**
   * Where the threshold comes from: `run` (the fixed threshold the page starts with, in its mode:
   * the run querier's, or `plaf view --threshold`'s; labelled by `info.scoring.thresholdFrom`),
   * `auto` (Otsu's threshold from the server: of the pool rows in 3D, of each frame's masks in 2D,
   * as the querier's `threshold: auto`), `manual` (the slider).
   */
  rule: 'run' | 'auto' | 'manual'
  /** The threshold of the run rule or the slider. */
  manual: number
  /** Otsu's thresholds of the current text and labels over the pool (null: not separable). */
  autoText: number | null
  autoLabels: number | null
  /** The threshold in effect for the shown colouring (Infinity: none is selected). */
  threshold: number
  /** Range of the heat ramp: the lowest and highest pool score of the text. */
  lo: number
  hi: number
  text: string | null
  /** The text's score per pool row, in the score mode (NaN: the row has no feature). */
  poolScores: Float32Array | null
  best: number | null
  /** Softmax: the texts the text competed with; relevancy: the negatives. */
  against: string[]
  labels: string[]
  /** Per label, its score per pool row. */
  labelScores: Float32Array[] | null
  frame: { id: string; loading: boolean; overlay: OverlayFigures | null; error: string | null; note: string | null; threshold: number | null } | null
  /** Requests in flight. */
  busy: number
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const state: ViewerState = {
  ready: false, error: null, info: null, loadMs: 0, mode: 'colour', scoreMode: 'cosine', rule: 'manual', manual: 0.5, autoText: null, autoLabels: null,
  threshold: 0.5, lo: 0, hi: 1, text: null, poolScores: null, best: null, against: [], labels: [], labelScores: null, frame: null, busy: 0,
}
const SCORE_MODES: ScoreMode[] = ['cosine', 'softmax', 'relevancy']
let refs: Uint32Array = new Uint32Array(0)
let view: View3D | null = null
let source: DataSource
const frameCache = new Map<string, { image: HTMLCanvasElement; ids: Uint16Array | null; width: number; height: number; rows: Map<string, ScoresReply> }>()

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
      if (v > best) {
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
    for (let i = 0; i < refs.length; i++) out[i] = s[refs[i]] >= state.threshold ? 1 : 0
  } else if (state.mode === 'labels' && state.labelScores) {
    const l = rowLabels()
    for (let i = 0; i < refs.length; i++) out[i] = l[refs[i]] + 1
  }
  return out
}

/** The threshold of a kind under the current rule (Infinity when auto finds none: nothing is selected, as in the querier). */
function thresholdOf(kind: ScoreKind): number {
  if (state.rule !== 'auto') return state.manual
  return (kind === 'labels' ? state.autoLabels : state.autoText) ?? Infinity
}

/** What the threshold line says about where the threshold comes from. */
function ruleText(): string {
  if (state.rule === 'run') return `${thresholdSource(state.info!.scoring)} (${state.scoreMode})`
  if (state.rule === 'manual') return 'set by hand'
  return Number.isFinite(state.threshold) ? 'auto (Otsu)' : 'auto (Otsu): none, fewer than two distinct scores'
}

/** The rule a score mode starts with: the run's fixed threshold in the run's own mode, else auto (Otsu). */
function defaultRule(mode: ScoreMode): void {
  const s = state.info!.scoring
  if (s.threshold !== 'auto' && s.mode === mode) {
    state.rule = 'run'
    state.manual = s.threshold
  } else {
    state.rule = 'auto'
  }
}

function recolour(): void {
  if (!view) return
  state.threshold = thresholdOf(state.mode === 'labels' ? 'labels' : 'text')
  const palette = labelColours(state.labels)
  const shaderThreshold = Number.isFinite(state.threshold) ? state.threshold : 1e30
  view.colour(state.mode, { rowScores: state.poolScores ?? undefined, rowLabels: state.labelScores ? rowLabels() : undefined, palette, threshold: shaderThreshold, lo: state.lo, hi: state.hi })
  for (const m of ['colour', 'heat', 'labels'] as const) $(`mode-${m}`).classList.toggle('on', state.mode === m)
  for (const m of SCORE_MODES) $(`score-${m}`).classList.toggle('on', state.scoreMode === m)
  $('auto').classList.toggle('on', state.rule === 'auto')
  const span = state.hi - state.lo || 1
  const t = Number.isFinite(state.threshold) ? state.threshold : state.hi
  const at = Math.min(100, Math.max(0, (100 * (t - state.lo)) / span))
  ;($('colourbar').querySelector('.below') as HTMLElement).style.width = `${at}%`
  ;($('colourbar').querySelector('.mark') as HTMLElement).style.left = `calc(${at}% - 1px)`
  $('bar-lo').textContent = state.lo.toFixed(2)
  $('bar-hi').textContent = state.hi.toFixed(2)
  const slider = $<HTMLInputElement>('threshold')
  slider.min = String(Math.floor(Math.min(state.lo, t) * 100) / 100)
  slider.max = String(Math.ceil(Math.max(state.hi, t) * 100) / 100)
  slider.value = String(t)
  $('threshold-value').textContent = Number.isFinite(state.threshold) ? `≥ ${state.threshold.toFixed(3)}` : ''
  $('threshold-rule').textContent = ruleText()
  const against = state.against.length ? (state.scoreMode === 'softmax' ? `softmax over the text and: ${state.against.join(', ')}` : `relevancy against: ${state.against.join(', ')}`) : ''
  $('score-note').textContent = state.scoreMode === 'softmax' && state.mode !== 'labels' && !state.against.length && state.text
    ? 'softmax over one text: every row scores 1 (the run has no other queries to compete with)' : against
  const n = pointValues()
  if (state.mode === 'heat' && state.text) {
    let sel = 0
    for (const v of n) sel += v
    $('query-result').textContent = `"${state.text}" (${state.scoreMode}): ${fmt(sel)} of ${fmt(refs.length)} points, best ${state.best === null ? '-' : state.best.toFixed(3)}`
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

function setRange(values: Float32Array[]): void {
  let lo = Infinity, hi = -Infinity
  for (const s of values) for (const v of s) if (!Number.isNaN(v)) {
    lo = Math.min(lo, v)
    hi = Math.max(hi, v)
  }
  if (lo > hi) [lo, hi] = [0, 1]
  state.lo = lo
  state.hi = hi
}

const precomputedOnly = (what: string) => {
  const e = state.info?.export
  return `this exported page holds only the precomputed ${what} in ${e?.mode} mode: ${(what === 'labels' ? state.info?.labels : state.info?.queries)?.join(', ')}`
}

async function runQuery(text: string): Promise<void> {
  const mode = state.scoreMode
  const r = await busy(() => source.query([text], 'text', mode))
  if (r === undefined) return
  if (r === null) return status(precomputedOnly('queries'))
  state.text = text
  state.poolScores = decodeScores(r.scores[0])
  state.best = r.best[0]
  state.autoText = r.auto[0]
  state.against = r.against.filter((t) => t !== text)
  state.mode = 'heat'
  setRange([state.poolScores])
  status('')
  recolour()
}

async function runLabels(labels: string[]): Promise<void> {
  const r = await busy(() => source.query(labels, 'labels', state.scoreMode))
  if (r === undefined) return
  if (r === null) return status(precomputedOnly('labels'))
  state.labels = labels
  state.labelScores = r.scores.map(decodeScores)
  state.autoLabels = r.auto[0]
  state.mode = 'labels'
  status('')
  recolour()
}

/** Switches the score mode: the rule starts over, the shown text and labels are scored again. */
async function setScoreMode(mode: ScoreMode): Promise<void> {
  const e = state.info?.export
  if (e && e.mode !== mode) return status(`this exported page was made in ${e.mode} mode only (plaf view --export … --mode ${mode} makes one in ${mode})`)
  state.scoreMode = mode
  defaultRule(mode)
  const shown = state.mode
  if (state.labels.length && state.labelScores) await runLabels(state.labels)
  if (state.text) await runQuery(state.text)
  state.mode = shown === 'colour' ? 'colour' : shown
  recolour()
}

async function frameReply(id: string, texts: string[], kind: ScoreKind): Promise<ScoresReply | null> {
  const f = frameCache.get(id)!
  const key = `${state.scoreMode}|${kind}|${texts.join('\n')}`
  if (!f.rows.has(key)) {
    const r = await source.frameQuery(id, texts, kind, state.scoreMode)
    if (!r) return null
    f.rows.set(key, r)
  }
  return f.rows.get(key)!
}

async function redrawOverlay(): Promise<void> {
  const fr = state.frame
  const f = fr && frameCache.get(fr.id)
  if (!fr || !f || !f.ids) return
  let q: OverlayQuery = null
  // auto: the frame's own Otsu threshold (as the querier's 2D outputs); else the slider's
  const rule = state.rule === 'auto' ? 'auto (Otsu of this frame)' : state.rule === 'run' ? `(${thresholdSource(state.info!.scoring)})` : '(by hand)'
  const thr = (r: ScoresReply) => (state.rule === 'auto' ? r.auto[0] ?? Infinity : state.manual)
  if (state.mode === 'heat' && state.text) {
    const r = await frameReply(fr.id, [state.text], 'text')
    if (r) q = { kind: 'text', text: state.text, rowScores: decodeScores(r.scores[0]), threshold: thr(r), rule }
  }
  if (state.mode === 'labels' && state.labels.length) {
    const r = await frameReply(fr.id, state.labels, 'labels')
    if (r) q = { kind: 'labels', labels: state.labels, rowScores: r.scores.map(decodeScores), threshold: thr(r), rule }
  }
  if (state.frame?.id !== fr.id) return
  fr.threshold = q ? q.threshold : null
  fr.overlay = drawOverlay($('frame-overlay'), f.image, f.ids, f.width, f.height, q, labelColours(state.labels))
  $('cap-overlay').textContent = q ? `query overlay: ${fmt(fr.overlay.hitPixels)} of ${fmt(fr.overlay.pixels)} pixels` : 'query overlay (score a text or labels)'
}

async function showFrame(id: string): Promise<void> {
  const info = state.info!
  const stored = info.frames.find((f) => f.id === id)?.stored ?? false
  state.frame = { id, loading: true, overlay: null, error: null, note: null, threshold: null }
  view?.highlight(id)
  $('frame-panel').classList.add('open')
  $('cap-image').textContent = `frame ${id}${info.exported ? ` (thumbnail, ${info.export?.frames.width} px wide)` : ''}`
  for (const b of $('frames').querySelectorAll('button')) b.classList.toggle('on', b.dataset.frame === id)
  const ok = await busy(async () => {
    if (!frameCache.has(id)) {
      const img = new Image()
      img.src = source.frameImage(id)
      const [ids] = await Promise.all([stored ? source.frameIds(id) : null, img.decode()])
      const image = document.createElement('canvas')
      const width = ids?.width ?? img.naturalWidth, height = ids?.height ?? img.naturalHeight
      drawImage(image, img, width, height)
      frameCache.set(id, { image, ids: ids?.ids ?? null, width, height, rows: new Map() })
      if (frameCache.size > 6) frameCache.delete(frameCache.keys().next().value!)
    }
    const f = frameCache.get(id)!
    if (state.frame?.id !== id) return true
    drawImage($('frame-image'), f.image as unknown as HTMLImageElement, f.width, f.height)
    if (f.ids) {
      drawMaskMap($('frame-masks'), f.ids, f.width, f.height)
      $('cap-masks').textContent = '2D mask map'
      await redrawOverlay()
    } else {
      const note = info.frames2d ?? `the run stored no 2D memory for frame ${id}`
      state.frame.note = note
      for (const c of ['frame-masks', 'frame-overlay']) $<HTMLCanvasElement>(c).width = 0
      $('cap-masks').textContent = `no 2D mask map: ${note}`
      $('cap-overlay').textContent = 'no query overlay without a 2D mask map'
    }
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
    // a served page shows every frame's image (and its mask map when stored); an exported page only its thumbnails
    b.disabled = info.exported && !f.thumbnail
    b.title = b.disabled ? 'not among the thumbnails of this exported page' : f.stored ? `show frame ${f.id}` : `show frame ${f.id} (image only: no 2D memory stored)`
    b.onclick = () => void showFrame(f.id)
    return b
  }))
  const notes: string[] = []
  if (info.framesComplete && !info.frames.length) notes.push('no frames: the run\'s input yields none, so there is no camera path')
  if (info.frames2d) notes.push(info.frames2d)
  const e = info.export
  if (e) {
    notes.push(e.frames.shown
      ? `${e.frames.shown} of ${e.frames.of} frames as ${e.frames.width}-px thumbnails with their overlays: ${(e.frames.bytes / 1e6).toFixed(2)} MB of a ${(e.frames.budget / 1e6).toFixed(2)} MB budget`
      : `no frame thumbnails (budget ${(e.frames.budget / 1e6).toFixed(2)} MB)`)
  }
  $('frames-note').textContent = notes.join('. ')
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
  source = inline ? inlineSource(JSON.parse(inline.textContent!) as ExportedData) : serverSource()
  const info = await source.info()
  state.info = info
  state.scoreMode = info.scoring.mode
  defaultRule(info.scoring.mode)
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
  const e = info.export
  $('stats').textContent = `${shown}, ${fmt(info.poolRows)} pool rows, encoder ${info.encoder}; ${scoringSummary(info.scoring)}` +
    (e ? `; exported page: ${e.mode} scores of the precomputed texts, threshold ${e.threshold}` : '')
  $<HTMLFormElement>('query-form').onsubmit = (ev) => {
    ev.preventDefault()
    const t = $<HTMLInputElement>('text').value.trim()
    if (t) void runQuery(t)
  }
  $<HTMLFormElement>('labels-form').onsubmit = (ev) => {
    ev.preventDefault()
    const l = $<HTMLInputElement>('label-texts').value.split(',').map((x) => x.trim()).filter(Boolean)
    if (l.length) void runLabels(l)
  }
  $<HTMLInputElement>('threshold').oninput = (ev) => {
    state.rule = 'manual'
    state.manual = Number((ev.target as HTMLInputElement).value)
    recolour()
  }
  $('auto').onclick = () => {
    state.rule = 'auto'
    recolour()
  }
  for (const m of SCORE_MODES) {
    const b = $<HTMLButtonElement>(`score-${m}`)
    if (e && e.mode !== m) {
      b.disabled = true
      b.title = `this exported page holds ${e.mode} scores only`
    }
    b.onclick = () => void busy(() => setScoreMode(m))
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
      /** Scores the shown text and labels again in another mode (the threshold rule starts over). */
      scoreMode: (m: ScoreMode) => Promise<void>
      /** Sets the threshold by hand, as the slider does. */
      setThreshold: (t: number) => void
      /** Client coordinates of a frame's marker on the camera path (to click it), or null. */
      marker: (id: string) => { x: number; y: number } | null
    }
  }
}
window.plafViewer = { state, pointValues, renders: () => view?.renders ?? 0, query: runQuery, labels: runLabels, scoreMode: setScoreMode,
  setThreshold: (t) => {
    state.rule = 'manual'
    state.manual = t
    recolour()
  },
  marker: (id) => view?.markerOnScreen(id) ?? null }
start().catch((e: unknown) => {
  state.error = (e as Error).message
  status(`could not load the run: ${state.error}`)
})
