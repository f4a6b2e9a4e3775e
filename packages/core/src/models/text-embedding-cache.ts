import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/atomic.js'

/** Where text embeddings are kept between calls: `disk` (memory + files), `memory`, or `off`. */
export type TextCacheMode = 'disk' | 'memory' | 'off'

/** Entries kept in memory per process (oldest dropped first); ~4.6 kB each at D = 1152. */
const MEMORY_LIMIT = 20_000
const memory = new Map<string, Float32Array>()

/**
 * Cache of unit text embeddings, keyed by the model's manifest sha256 and the exact prompt the
 * tokenizer sees (template applied, then cleaned), so two texts that tokenise identically share an
 * entry and a re-exported model never reuses stale vectors. The memory level is shared by every
 * encoder in the process; the disk level is one little-endian float32 file per entry under `dir`
 * (`PLAF_HOME/cache/text-embeddings/<model sha256>/`), written atomically.
 */
export class TextEmbeddingCache {
  hits = 0
  misses = 0
  private readonly dir: string | undefined

  /** `root`: the cache root (`PLAF_HOME/cache/text-embeddings`); `modelSha256` names the model's folder. */
  constructor(
    private readonly mode: TextCacheMode,
    private readonly modelSha256: string,
    private readonly dim: number,
    root: string,
  ) {
    this.dir = mode === 'disk' ? join(root, modelSha256) : undefined
  }

  private key(prompt: string): string {
    return createHash('sha256').update(this.modelSha256).update('\0').update(prompt).digest('hex')
  }

  /** The cached unit embedding of a cleaned prompt, or undefined. */
  get(prompt: string): Float32Array | undefined {
    if (this.mode === 'off') return undefined
    const k = this.key(prompt)
    let v = memory.get(k)
    if (!v && this.dir) {
      const file = join(this.dir, `${k}.f32`)
      if (existsSync(file)) {
        const b = readFileSync(file)
        // A file of another length (truncated write, other D) is ignored and rewritten.
        if (b.byteLength === this.dim * 4) {
          v = new Float32Array(this.dim)
          new Uint8Array(v.buffer).set(b)
          remember(k, v)
        }
      }
    }
    if (v) this.hits++
    else this.misses++
    return v
  }

  /** Stores a unit embedding for a cleaned prompt. */
  set(prompt: string, v: Float32Array): void {
    if (this.mode === 'off') return
    const k = this.key(prompt)
    const copy = Float32Array.from(v)
    remember(k, copy)
    if (this.dir) writeFileAtomic(join(this.dir, `${k}.f32`), new Uint8Array(copy.buffer))
  }
}

function remember(k: string, v: Float32Array): void {
  memory.delete(k)
  memory.set(k, v)
  if (memory.size > MEMORY_LIMIT) memory.delete(memory.keys().next().value!)
}

/** Empties the process-wide memory level (tests; a long-lived process that swapped models). */
export function clearTextEmbeddingMemory(): void {
  memory.clear()
}
