import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { writeLine } from '../src/io.js'

describe('a reader that closes the pipe early', () => {
  it('writeLine drops writes after EPIPE and rethrows other stream errors', () => {
    const s = new PassThrough()
    const got: string[] = []
    s.on('data', (b: Buffer) => got.push(b.toString()))
    writeLine(s, 'one')
    s.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    writeLine(s, 'two')
    expect(got).toEqual(['one\n'])
    const t = new PassThrough()
    writeLine(t, 'x')
    expect(() => t.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow(/disk full/)
  })

  it('`plaf plugins | head -1` exits 0 with no EPIPE error on stderr', () => {
    const bin = join(__dirname, '..', 'bin', 'plaf.js')
    // A shell pipe into head -c 1, which exits after one byte: later writes get EPIPE.
    const r = spawnSync('bash', ['-c', `set -o pipefail; node ${JSON.stringify(bin)} plugins | head -c 1 >/dev/null; echo "status=\${PIPESTATUS[0]}"`], { encoding: 'utf8' })
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|Error/)
    expect(r.stdout.trim()).toBe('status=0')
  })
})
