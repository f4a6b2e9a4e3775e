import { Writable } from 'node:stream'
import type { PullProgress } from '@plaf/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPullProgress } from '../src/pull-progress.js'

afterEach(() => void vi.useRealTimers())

function sink(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = ''
  const stream = new Writable({ write: (c, _e, cb) => void ((text += String(c)), cb()) }) as unknown as NodeJS.WriteStream
  return { stream, lines: () => text.split('\n').filter(Boolean) }
}

const ev = (e: Partial<PullProgress>): PullProgress => ({
  phase: 'file', model: 'm@1', file: 'a.bin', fileIndex: 0, fileCount: 1, received: 0, bytes: 3000, totalReceived: 0, totalBytes: 3000, resumedFrom: 0, ...e,
})

describe('pull progress lines', () => {
  it('shows the bytes that arrived before a hub stopped sending, 2 s after them; a resume and a wait get their own line', () => {
    vi.useFakeTimers()
    const { stream, lines } = sink()
    const p = createPullProgress('lines', stream)
    p.onProgress(ev({ phase: 'waiting', note: 'waiting for another pull of m@1 (pid 7 on h, since t)' }))
    p.onProgress(ev({ received: 0 }))
    p.onProgress(ev({ received: 1200, totalReceived: 1200 }))
    // no more bytes come: the line with 1200 B still shows
    expect(lines()).toEqual(['[pull m@1] waiting for another pull of m@1 (pid 7 on h, since t)', '[pull m@1] a.bin 0 B of 3.00 kB (0%)'])
    vi.advanceTimersByTime(2000)
    expect(lines().at(-1)).toBe('[pull m@1] a.bin 1.20 kB of 3.00 kB (40%)')
    p.onProgress(ev({ phase: 'retry', received: 1200, note: 'the hub stopped sending a.bin after 1200 of 3000 bytes (no data for 30 s); resuming, attempt 2 of 4' }))
    expect(lines().at(-1)).toBe('[pull m@1] the hub stopped sending a.bin after 1200 of 3000 bytes (no data for 30 s); resuming, attempt 2 of 4')
    p.onProgress(ev({ received: 1500, resumedFrom: 1200 }))
    p.stop()
    vi.advanceTimersByTime(5000)
    expect(lines()).toHaveLength(4)
  })
})
