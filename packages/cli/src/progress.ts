import cliProgress from 'cli-progress'
import type { ProgressEvent } from '@plaf/core'

/** How progress is shown: a bar on a TTY, plain periodic lines otherwise. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none'

const eta = (s: number): string => (Number.isFinite(s) ? (s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`) : '?')

/** `finishing lifter (backproject)…`: what a `finish` event says is running. */
const finishing = (e: ProgressEvent): string => `finishing ${e.stage}${e.plugin && e.plugin !== e.stage ? ` (${e.plugin})` : ''}…`

/**
 * A progress sink for runPipeline; call `stop()` when the run ends. During the scene-level phase
 * (`finish` events) both the bar and the lines name the stage being finished, e.g.
 * `12/12 frames · finishing lifter (backproject)…`.
 */
export function createProgress(mode: ProgressMode, label: string, stream: NodeJS.WriteStream = process.stderr) {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true)
  let bar: cliProgress.SingleBar | undefined
  let lastLine = 0
  return {
    onProgress(e: ProgressEvent): void {
      if (mode === 'none') return
      if (useBar) {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            stream, hideCursor: true, clearOnComplete: false,
            format: `${label} {bar} {value}/{total} frames{status}`,
          }, cliProgress.Presets.shades_classic)
          bar.start(e.total, e.done, { status: ' | 0.00 frames/s | ETA ?' })
        }
        const status = e.phase === 'finish' ? ` · ${finishing(e)}` : ` | ${e.framesPerSecond.toFixed(2)} frames/s | ETA ${eta(e.etaSeconds)}`
        bar.update(e.done, { status })
        // A finish call can hold the event loop for seconds, so the bar's own timer would not draw
        // it: draw now. Frame events stay throttled by the bar.
        if (e.phase !== 'frame') bar.render()
        return
      }
      const now = Date.now()
      const important = e.phase === 'start' || e.phase === 'done' || e.done === e.total
      if (important || now - lastLine >= 2000 || e.phase === 'finish') {
        lastLine = now
        const pct = e.total ? Math.round((100 * e.done) / e.total) : 100
        const line = e.phase === 'finish'
          ? `${e.done}/${e.total} frames · ${finishing(e)}`
          : `${e.phase === 'done' ? 'done' : `frame ${e.done}/${e.total} (${pct}%)`}, ${e.framesPerSecond.toFixed(2)} frames/s, ETA ${eta(e.etaSeconds)}`
        stream.write(`[${label}] ${line}\n`)
      }
    },
    stop(): void {
      bar?.stop()
    },
  }
}
