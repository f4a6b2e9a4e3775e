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
 * (`[pull radio@1] onnx/vision.onnx 12.3 MB of 412 MB (3%), resumed at 8.1 MB`); a transfer that
 * stops sending still gets its line 2 s after its last bytes, so the bytes that did arrive show.
 * A wait for another process's pull of the same model and each resume after a dropped or stalled
 * transfer get a line of their own. A bar closes at each model's `done`; call `stop()` after a
 * failed pull.
 */
export function createPullProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr) {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true)
  let bar: cliProgress.SingleBar | undefined
  let lastLine = 0
  let lastFile = ''
  let pending: NodeJS.Timeout | undefined
  const line = (e: PullProgress): string => {
    if (e.phase === 'done') return `done, ${formatBytes(e.totalBytes)} in ${e.fileCount} files`
    const pct = e.bytes ? Math.round((100 * e.received) / e.bytes) : 100
    return `${e.file} ${formatBytes(e.received)} of ${formatBytes(e.bytes)} (${pct}%)${e.resumedFrom > 0 ? `, resumed at ${formatBytes(e.resumedFrom)}` : ''}`
  }
  const write = (e: PullProgress, text: string): void => {
    clearTimeout(pending)
    pending = undefined
    lastLine = Date.now()
    stream.write(`[pull ${e.model}] ${text}\n`)
  }
  return {
    onProgress(e: PullProgress): void {
      if (mode === 'none' || e.phase === 'manifest') return
      if (e.phase === 'waiting') {
        // before any bar: another process downloads this model, this one waits for it
        if (!bar) stream.write(`[pull ${e.model}] ${e.note}\n`)
        return
      }
      if (useBar) {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            stream, hideCursor: true, clearOnComplete: false,
            format: `${e.model} {bar} {got} of {size} {file}`,
          }, cliProgress.Presets.shades_classic)
          bar.start(e.totalBytes, 0, { got: formatBytes(0), size: formatBytes(e.totalBytes), file: '' })
        }
        const note = e.phase === 'retry' ? ` (${e.note})` : ''
        bar.update(e.totalReceived, { got: formatBytes(e.totalReceived), file: e.file ? `· ${e.file}${note}` : '' })
        if (e.phase === 'done') {
          // a run pulls models before its frames start: close this bar before the frame bar draws
          bar.stop()
          bar = undefined
        }
        return
      }
      if (e.phase === 'retry') return write(e, `${e.note}`)
      const now = Date.now()
      const fileDone = e.phase === 'file' && e.received === e.bytes
      const started = e.phase === 'file' && e.file !== lastFile
      if (e.phase !== 'done' && !started && !fileDone && now - lastLine < 2000) {
        // shown 2 s after the last line unless a newer line comes first: a stalled hub's bytes still show
        clearTimeout(pending)
        pending = setTimeout(() => write(e, line(e)), lastLine + 2000 - now)
        pending.unref()
        return
      }
      lastFile = e.file ?? lastFile
      write(e, line(e))
    },
    stop(): void {
      clearTimeout(pending)
      pending = undefined
      bar?.stop()
    },
  }
}
