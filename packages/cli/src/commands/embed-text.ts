import { resolve } from 'node:path'
import {
  PlafError, checkPort, createModelAccess, createRunContext, createStandaloneContext, diagnostic, encodeNpy, flagOrigin, hubSettings,
  writeFileAtomic, type TextEmbeddings,
} from '@plaf/core'
import { builtinRegistry, builtins } from '../builtins.js'
import { flagValue } from '../flags.js'
import { EXIT, type Io } from '../io.js'

/** Options of `plaf embed-text`: flag values as typed (the encoder's schema checks them). */
export interface EmbedTextOptions {
  encoder: string
  model?: string
  templates: string[]
  batchSize?: string
  cache?: string
  out?: string
  json?: boolean
  hub?: string
  offline?: boolean
}

/** How many leading values the table shows per row. */
const SHOWN = 4

/**
 * One line per text: the text, the row's L2 norm (1.000 for a unit row, 0 for an encoder's zero
 * row) and its first values: `  a chair   1.000  [ 0.0123, -0.0456, …]`.
 */
export function embeddingTable(e: TextEmbeddings): string[] {
  const [n, d] = e.shape
  const width = Math.max(0, ...e.texts.map((t) => JSON.stringify(t).length))
  const lines: string[] = []
  for (let i = 0; i < n; i++) {
    const row = e.data.subarray(i * d, (i + 1) * d)
    const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0))
    const head = Array.from(row.subarray(0, SHOWN), (x) => (x >= 0 ? ' ' : '') + x.toFixed(4)).join(', ')
    lines.push(`  ${JSON.stringify(e.texts[i]).padEnd(width)}  ${norm.toFixed(3)}  [${head}${d > SHOWN ? ', …' : ''}]`)
  }
  return lines
}

/**
 * `plaf embed-text --encoder <plugin> [--model <name>] "a chair" …`: creates the text encoder
 * with the options given as flags (validated by its schema, errors pointing at the flag), embeds
 * the texts once, and prints a table (text, norm, first values), the whole result as JSON, or
 * writes an N×D float32 `.npy` (`--out`). A missing model is pulled from `--hub`/`PLAF_HUB`.
 */
export async function embedTextCommand(texts: string[], o: EmbedTextOptions, io: Io): Promise<number> {
  const source = `plaf embed-text --encoder ${o.encoder}`
  if (texts.length === 0) throw new PlafError(diagnostic('PLAF_MISSING_OPTION', 'plaf embed-text needs at least one text', { source, hint: 'plaf embed-text --encoder siglip-text "a chair" "a lamp"' }))
  const registry = builtinRegistry()
  if (!registry.get('text-encoder', o.encoder)) {
    const near = registry.suggest(o.encoder, ['text-encoder'])
    const { source: flag, column } = flagOrigin(`--encoder ${o.encoder}`)
    throw new PlafError(diagnostic('PLAF_UNKNOWN_PLUGIN', `no text-encoder plugin named "${o.encoder}"`, {
      source: flag, column, path: 'encoder', actual: o.encoder,
      expected: `a text encoder: ${registry.list().filter((p) => p.kind === 'text-encoder').map((p) => p.name).join(', ')}`,
      hint: near.length ? `did you mean "${near[0]}"?` : undefined,
    }))
  }
  const options: Record<string, unknown> = {}
  if (o.model !== undefined) options.model = o.model
  if (o.templates.length) options.templates = o.templates
  if (o.batchSize !== undefined) options.batch_size = flagValue(o.batchSize)
  if (o.cache !== undefined) options.cache = o.cache
  const { hub, offline } = hubSettings({ hub: o.hub, offline: o.offline ? true : undefined })
  const ctx = createStandaloneContext({ stage: 'embed-text', plugins: builtins, models: createModelAccess({ hub, offline }) })
  const t0 = performance.now()
  const encoder = await ctx.instantiate('text-encoder', o.encoder, options)
  try {
    const rc = createRunContext()
    const out = await encoder.run({ text: { texts } }, rc)
    const e = Object.values(out).find((v) => checkPort('TextEmbeddings', v) === null) as TextEmbeddings | undefined
    if (!e) throw new PlafError(diagnostic('PLAF_PLUGIN_INVALID', `text encoder "${o.encoder}" returned no TextEmbeddings`, { plugin: o.encoder }))
    const ms = performance.now() - t0
    for (const n of [...ctx.notes, ...rc.notes]) io.err(`warning: ${n.message}`)
    const [n, d] = e.shape
    if (o.out) {
      const file = resolve(o.out)
      writeFileAtomic(file, encodeNpy({ dtype: '<f4', shape: [n, d], data: e.data }))
      if (!o.json) io.out(`wrote ${o.out}: ${n}×${d} float32, space ${e.space}`)
    }
    if (o.json) {
      io.out(JSON.stringify({ encoder: o.encoder, space: e.space, shape: e.shape, out: o.out ?? null, ms: Math.round(ms), texts: e.texts, embeddings: o.out ? undefined : Array.from({ length: n }, (_, i) => Array.from(e.data.subarray(i * d, (i + 1) * d))) }))
      return EXIT.ok
    }
    if (!o.out) {
      io.out(`${o.encoder}: ${n} text${n === 1 ? '' : 's'} → ${n}×${d} in space ${e.space} (${ms.toFixed(0)} ms)`)
      for (const line of embeddingTable(e)) io.out(line)
    }
    return EXIT.ok
  } finally {
    await encoder.dispose?.()
  }
}
