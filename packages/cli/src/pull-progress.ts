import cliProgress from 'cli-progress'
import type { PullProgress } from '@plaf/core'
import type { ProgressMode } from './progress.js'

/** `12.3 MB`: decimal units, as download tools show sizes. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`
}

/**
 * A progress sink for model downloads (`pullModel`'s `onProgress`): a byte bar over the whole
 * model on a TTY, otherwise one line per file started, per 2 s, and per file finished
 * (`[pull radio@1] onnx/vision.onnx 12.3 MB of 412 MB (3%), resumed at 8.1 MB`). A bar closes at each
 * model's `done`; call `stop()` after a failed pull.
 */
export function createPullProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr) {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true)
  let bar: cliProgress.SingleBar | undefined
  let lastLine = 0
  let lastFile = ''
  return {
    onProgress(e: PullProgress): void {
      if (mode === 'none' || e.phase === 'manifest') return
      if (useBar) {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            stream, hideCursor: true, clearOnComplete: false,
            format: `${e.model} {bar} {got} of {size} {file}`,
          }, cliProgress.Presets.shades_classic)
          bar.start(e.totalBytes, 0, { got: formatBytes(0), size: formatBytes(e.totalBytes), file: '' })
        }
        bar.update(e.totalReceived, { got: formatBytes(e.totalReceived), file: e.file ? `· ${e.file}` : '' })
        if (e.phase === 'done') {
          // a run pulls models before its frames start: close this bar before the frame bar draws
          bar.stop()
          bar = undefined
        }
        return
      }
      const now = Date.now()
      const fileDone = e.phase === 'file' && e.received === e.bytes
      const started = e.phase === 'file' && e.file !== lastFile
      if (e.phase !== 'done' && !started && !fileDone && now - lastLine < 2000) return
      lastLine = now
      lastFile = e.file ?? lastFile
      const pct = e.bytes ? Math.round((100 * e.received) / e.bytes) : 100
      const line = e.phase === 'done'
        ? `done, ${formatBytes(e.totalBytes)} in ${e.fileCount} files`
        : `${e.file} ${formatBytes(e.received)} of ${formatBytes(e.bytes)} (${pct}%)${e.resumedFrom > 0 ? `, resumed at ${formatBytes(e.resumedFrom)}` : ''}`
      stream.write(`[pull ${e.model}] ${line}\n`)
    },
    stop(): void {
      bar?.stop()
    },
  }
}
