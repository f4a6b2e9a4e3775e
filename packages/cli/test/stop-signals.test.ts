import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir, tinyPipeline } from './helpers.js'

// Many small frames: the run is still going when the test sees the first one completed.
const pipeline = tinyPipeline('long', 60, { tail: 'runtime: { cache: false }\n' })

const completed = (dir: string): number => {
  try {
    return (JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as { completed: number }).completed
  } catch {
    return 0
  }
}

/** Runs `plaf run` in this process and sends `signal` to the process once a frame has completed. */
async function runAndSignal(dir: string, signal: NodeJS.Signals) {
  const out = join(dir, 'run')
  let sent = false
  const poll = setInterval(() => {
    if (!sent && completed(out) >= 1) {
      sent = true
      process.kill(process.pid, signal)
    }
  }, 5)
  try {
    return { ...(await cli('run', join(dir, 'p.yaml'), '--out', out, '--progress', 'none')), out, sent }
  } finally {
    clearInterval(poll)
  }
}

describe('plaf run: SIGTERM (Slurm, Kubernetes) stops it like Ctrl-C', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: says it stops after the current frame, ends with PLAF_INTERRUPTED (exit 1), and --resume continues`, async () => {
      const dir = tempDir({ 'p.yaml': pipeline })
      const r = await runAndSignal(dir, signal)
      expect(r.sent).toBe(true)
      expect(r.err).toContain(`${signal === 'SIGINT' ? 'interrupt' : 'SIGTERM'}: stopping after the current frame`)
      expect(r.err).toContain('PLAF_INTERRUPTED')
      expect(r.code).toBe(1)
      const done = completed(r.out)
      expect(done).toBeGreaterThanOrEqual(1)
      expect(done).toBeLessThan(60)
      expect(existsSync(join(r.out, 'report.json'))).toBe(false)
      // the listeners are gone once the command ended: nothing is left to catch a later signal
      expect(process.listenerCount(signal)).toBe(0)
      const resumed = await cli('run', join(dir, 'p.yaml'), '--out', r.out, '--progress', 'none', '--resume', '--json')
      expect(resumed.code).toBe(0)
      const report = JSON.parse(resumed.out) as { frames: { processed: number; resumed_from: number } }
      expect(report.frames).toMatchObject({ processed: 60, resumed_from: done })
    })
  }
})
