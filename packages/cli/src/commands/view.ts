import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { PlafError, diagnostic, fsErrorDiagnostic, runModelWarnings, writeFileAtomic } from '@plaf/core'
import { THUMBNAIL_BUDGET, exportPage, openViewerData, startViewer, type ScoreMode } from '@plaf/viewer'
import { builtinRegistry } from '../builtins.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'

/** Options of `plaf view`, as typed. */
export interface ViewOptions {
  port?: string
  host?: string
  open?: boolean
  /** Write one self-contained HTML page instead of serving. */
  export?: string
  /** Texts whose scores an exported page carries (repeatable; default: the run's queries). */
  text: string[]
  /** Comma-separated label texts an exported page carries (default: the run's labels). */
  labels?: string
  /** Points in an exported page at most (an even subsample). */
  maxPoints?: string
  /** Score mode the page starts in (default: the run querier's); an exported page holds only this one. */
  mode?: string
  /** Threshold the page starts with: a score or `auto` (default: the run querier's). */
  threshold?: string
  /** Comma-separated negative phrases of the relevancy mode (default: the run querier's). */
  negatives?: string
  /** Further host names the server answers to (`--allow-host`, repeatable). */
  allowHost?: string[]
  /** Frame thumbnails in an exported page at most (default 12). */
  exportFrames?: string
  /** Byte budget of the thumbnails in megabytes (default 2). */
  exportFramesMb?: string
}

/** Default point budget of an exported page: 300 k points at 19 bytes each are about 7.6 MB of base64 in the HTML. */
export const EXPORT_MAX_POINTS = 300_000

function intFlag(flag: string, raw: string, min: number, max: number): number {
  const v = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || v < min || v > max) {
    throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`, {
      source: `${flag} ${raw}`, path: flag.slice(2), expected: `an integer in [${min}, ${max}]`, actual: raw,
    }))
  }
  return v
}

function modeFlag(raw: string): ScoreMode {
  const modes = ['cosine', 'softmax', 'relevancy']
  if (!modes.includes(raw)) {
    throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `--mode must be one of ${modes.join(', ')}, got ${JSON.stringify(raw)}`, {
      source: `--mode ${raw}`, path: 'mode', expected: modes.join(' | '), actual: raw,
    }))
  }
  return raw as ScoreMode
}

function thresholdFlag(raw: string): number | 'auto' {
  if (raw.trim() === 'auto') return 'auto'
  const v = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(v) || v < -1 || v > 1) {
    throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `--threshold must be a score from -1 to 1 or auto, got ${JSON.stringify(raw)}`, {
      source: `--threshold ${raw}`, path: 'threshold', expected: 'a number in [-1, 1] or auto', actual: raw,
    }))
  }
  return v
}

function mbFlag(raw: string): number {
  const v = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1000) {
    throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `--export-frames-mb must be a number of megabytes from 0 to 1000, got ${JSON.stringify(raw)}`, {
      source: `--export-frames-mb ${raw}`, path: 'export-frames-mb', expected: 'a number in [0, 1000]', actual: raw,
    }))
  }
  return Math.round(v * 1e6)
}

/** Creates `dir` (and its parents); a path that cannot be a folder is a user error naming it. */
function mkdirOrThrow(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true })
  } catch (e) {
    const d = fsErrorDiagnostic(e)
    if (d) throw new PlafError({ ...d, hint: 'choose another --export <file.html> path' })
    throw e
  }
}

/** Opens `url` in the desktop's browser (xdg-open, open, or start); failures only print a note. */
function openBrowser(url: string, io: Io): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]]
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true })
  child.on('error', () => io.err(`could not start ${cmd} to open the page; open ${url} yourself`))
  child.unref()
}

/**
 * `plaf view <run-dir>`: serves the viewer of a finished run on 127.0.0.1 (or --host) until
 * interrupted (Ctrl-C), or with `--export <file.html>` writes one self-contained page and exits.
 * A directory that is not a finished run is a user error (exit 1) naming it.
 */
export async function viewCommand(runDir: string, o: ViewOptions, io: Io, until?: Promise<void>): Promise<number> {
  const port = o.port === undefined ? 8080 : intFlag('--port', o.port, 0, 65535)
  const maxPoints = o.maxPoints === undefined ? EXPORT_MAX_POINTS : intFlag('--max-points', o.maxPoints, 1, 100_000_000)
  const labels = o.labels?.split(',').map((x) => x.trim()).filter(Boolean)
  const mode = o.mode === undefined ? undefined : modeFlag(o.mode)
  const threshold = o.threshold === undefined ? undefined : thresholdFlag(o.threshold)
  const negatives = o.negatives?.split(',').map((x) => x.trim()).filter(Boolean)
  if (negatives && !negatives.length) {
    throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `--negatives needs a comma-separated list, got ${JSON.stringify(o.negatives)}`, { source: `--negatives ${o.negatives}`, path: 'negatives', expected: 'e.g. white,grey', actual: o.negatives }))
  }
  const frames = o.exportFrames === undefined ? 12 : intFlag('--export-frames', o.exportFrames, 0, 10_000)
  const frameBudget = o.exportFramesMb === undefined ? THUMBNAIL_BUDGET : mbFlag(o.exportFramesMb)
  const exportOnly = o.text.length ? `--text ${o.text[0]}` : o.labels !== undefined ? `--labels ${o.labels}` : o.maxPoints !== undefined ? `--max-points ${o.maxPoints}`
    : o.exportFrames !== undefined ? `--export-frames ${o.exportFrames}` : o.exportFramesMb !== undefined ? `--export-frames-mb ${o.exportFramesMb}` : null
  const serveOnly = o.port !== undefined ? `--port ${o.port}` : o.host !== undefined ? `--host ${o.host}` : o.allowHost?.length ? `--allow-host ${o.allowHost[0]}` : o.open ? '--open' : null
  if (o.export && serveOnly) {
    printDiagnostics(io, [{
      code: 'PLAF_INVALID_OVERRIDE', severity: 'error', source: serveOnly,
      message: `${serveOnly.split(' ')[0]} applies to serving the viewer, and --export ${o.export} writes a page and serves nothing: it would be ignored`,
      hint: 'leave it out with --export, or leave out --export to serve',
    }])
    return EXIT.user
  }
  if (!o.export && exportOnly) {
    printDiagnostics(io, [{
      code: 'PLAF_INVALID_OVERRIDE', severity: 'error', source: exportOnly,
      message: '--text, --labels, --max-points, --export-frames and --export-frames-mb choose what an exported page carries: use them with --export <file.html>',
    }])
    return EXIT.user
  }
  const data = await openViewerData(runDir, builtinRegistry())
  // a run made with random-weight contract models: what the page or viewer shows means nothing
  printDiagnostics(io, runModelWarnings(runDir))
  // --mode / --threshold: the page's starting point (the run's querier settings otherwise)
  // (the page says which: "--threshold 0.3 (cosine)", not "the run's")
  if (mode) Object.assign(data.info.scoring, { mode, modeFrom: `--mode ${mode}` })
  if (threshold !== undefined) Object.assign(data.info.scoring, { threshold, thresholdFrom: `--threshold ${o.threshold}` })
  if (negatives) data.info.scoring.negatives = negatives
  try {
    if (o.export) {
      const file = resolve(o.export)
      // the page's folder is made (or found unwritable: exit 1 naming it) before the page is built
      mkdirOrThrow(dirname(file))
      const t0 = performance.now()
      // The page carries the camera path: wait for the one walk over the input, showing its progress.
      const tick = setInterval(() => io.err(`export: camera path ${data.info.frames.length} frames read so far…`), 2000)
      const r = await exportPage(data, { texts: o.text, labels, maxPoints, frames, frameBudget }).finally(() => clearInterval(tick))
      try {
        writeFileAtomic(file, r.html, { fsync: false })
      } catch (e) {
        const d = fsErrorDiagnostic(e)
        if (d) throw new PlafError(d)
        throw e
      }
      const n = data.info.points
      io.out(`wrote ${o.export} (${(Buffer.byteLength(r.html) / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
        `${r.points.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} points${r.points < n ? ` (--max-points ${maxPoints})` : ''}, ` +
        `queries: ${r.texts.join(', ') || 'none'}; labels: ${r.labels.join(', ') || 'none'}; ${r.mode} scores, threshold ${r.threshold}; ` +
        `${r.frames.shown} of ${r.frames.of} frames as ${r.frames.width}-px thumbnails (${(r.frames.bytes / 1e6).toFixed(2)} of ${(r.frames.budget / 1e6).toFixed(2)} MB); it opens without a server`)
      if (data.info.framesError) io.err(`note: the page has no camera path and no frame thumbnails: the run's input cannot be read (${data.info.framesError}); the 3D map and its scores need only the run directory`)
      return EXIT.ok
    }
    const server = await startViewer(data, { port, host: o.host, allowHosts: o.allowHost, log: (line) => io.err(`plaf view: ${line}`) })
    io.out(`plaf view: ${data.info.points.toLocaleString('en-US')} points of ${runDir} at ${server.url} (Ctrl-C to stop)`)
    if (o.host && !['127.0.0.1', 'localhost', '::1'].includes(o.host)) io.err(`note: --host ${o.host} lets other machines on the network open the viewer and the run's files`)
    if (o.open) openBrowser(server.url, io)
    await (until ?? new Promise<void>((ok) => {
      process.once('SIGINT', ok)
      process.once('SIGTERM', ok)
    }))
    await server.close()
    return EXIT.ok
  } finally {
    await data.close()
  }
}
