import cliProgress from 'cli-progress'
import type { ProgressEvent } from '@plaf/core'

/** How progress is shown: a bar on a TTY, plain periodic lines otherwise. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none'

const eta = (s: number): string => (Number.isFinite(s) ? (s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`) : '?')

/** A progress sink for runPipeline; call `stop()` when the run ends. */
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
            format: `${label} {bar} {value}/{total} frames | {fps} frames/s | ETA {etaText} {stage}`,
          }, cliProgress.Presets.shades_classic)
          bar.start(e.total, e.done, { fps: '0.00', etaText: '?', stage: '' })
        }
        bar.update(e.done, { fps: e.framesPerSecond.toFixed(2), etaText: eta(e.etaSeconds), stage: e.stage ? `| ${e.stage}` : '' })
        return
      }
      const now = Date.now()
      const important = e.phase === 'start' || e.phase === 'done' || e.done === e.total
      if (important || now - lastLine >= 2000 || e.phase === 'finish') {
        lastLine = now
        const pct = e.total ? Math.round((100 * e.done) / e.total) : 100
        const what = e.phase === 'finish' ? `finishing ${e.stage}` : e.phase === 'done' ? 'done' : `frame ${e.done}/${e.total} (${pct}%)`
        stream.write(`[${label}] ${what}, ${e.framesPerSecond.toFixed(2)} frames/s, ETA ${eta(e.etaSeconds)}\n`)
      }
    },
    stop(): void {
      bar?.stop()
    },
  }
}
