import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeNpy, decodePly, decodePng, openRun, PlafError, Registry, type InputPlugin, type Plugin, type QueryResult } from '@plaf/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { read2DFrame } from '@plaf/storage'
import { request } from 'node:http'
import { builtinRegistry, builtins } from '../src/builtins.js'
import { viewCommand } from '../src/commands/view.js'
import { cli, tempDir } from './helpers.js'

// One small finished run for the whole file: two readable 2D codecs (float32 first, so pipeline
// order alone would pick it; int8 with a safetensors table stores fewer bytes per frame) and a dense one that cannot
// read back, plus the 3D map and a querier.
const room = 'use: synthetic-room, with: { frames: 2, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60 }'
const pipeline = (querier: boolean) => `name: q
input: { ${room} }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: 20 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed, with: { feature_dtype: float32 } }
  dense2d: { use: dense }
  compact2d: { use: mask-indexed, with: { feature_dtype: int8, table_format: safetensors } }
  lifter: { use: backproject }
  storage3d: { use: index-reference }
${querier ? '  querier: { use: text, with: { encoder: color-lexicon-text, queries: [red] } }\n' : ''}`

let base = ''
let run = ''
const registry = builtinRegistry()

beforeAll(async () => {
  // helpers.tempDir is cleaned after each test; this directory lives for the whole file.
  base = mkdtempSync(join(tmpdir(), 'plaf-query-'))
  writeFileSync(join(base, 'p.yaml'), pipeline(true))
  writeFileSync(join(base, 'noq.yaml'), pipeline(false))
  run = join(base, 'run')
  const r = await cli('run', join(base, 'p.yaml'), '--out', run, '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
  expect(r.code, r.err).toBe(0)
}, 120_000)

afterAll(() => rmSync(base, { recursive: true, force: true }))

const scoresOf = (r: QueryResult) => JSON.parse(readFileSync(r.scoresFile, 'utf8'))

/** Pixels set in every `<slug>/<frame>.mask.png` the querier wrote: an oracle independent of scores.json. */
function maskPixels(dir: string): number {
  let n = 0
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.mask.png'))) {
    const png = decodePng(readFileSync(join(dir, f)))
    for (const v of png.data) if (v === 255) n++
  }
  return n
}

describe('openRun', () => {
  it('reads 2D memories from the codec that stores fewest bytes per frame, and counts hits as scores.json and the written files do', async () => {
    const h = await openRun(run, registry)
    try {
      expect(h.stages).toEqual({ querier: 'querier', storage2d: 'compact2d', storage3d: 'storage3d' })
      const out = join(base, 'out-a')
      const r = await h.query(['orange', 'dark green'], { out })
      expect(r).toMatchObject({ texts: ['orange', 'dark green'], threshold: 0.5, out, scoresFile: join(out, 'scores.json'), frames: 2, framesNotStored: [] })
      const s = scoresOf(r)
      for (const [i, q] of r.queries.entries()) {
        const f = s.queries[i].frames_2d
        const m = s.queries[i].map
        expect(q.frames2d).toEqual({
          masks: f.masks, masksSelected: f.masks_above_threshold, pixels: f.pixels, pixelsSelected: f.pixels_above_threshold,
          best: f.best.score, bestFrame: f.best.frame,
        })
        expect(q.map3d).toEqual({ points: m.points, pointsSelected: m.points_above_threshold, poolRows: m.pool_rows, best: m.top_pool_rows[0].score })
      }
      const [orange, green] = r.queries
      // 2 frames of 160×120, 8×6 grid cells each; the mask PNGs and the scored PLY agree with the counts
      expect(orange.frames2d).toMatchObject({ pixels: 2 * 160 * 120, masks: 2 * 48 })
      for (const q of r.queries) {
        const slug = q.text.replace(' ', '-')
        expect(q.frames2d!.pixelsSelected).toBe(maskPixels(join(out, slug)))
        const ply = decodePly(readFileSync(join(out, `${slug}.ply`)))
        expect(q.map3d!.points).toBe(ply.vertexCount)
        expect(q.map3d!.pointsSelected).toBe(Array.from(ply.properties.score).filter((v) => v >= (r.threshold as number)).length)
        expect(q.map3d!.best).toBeCloseTo(Math.max(...ply.properties.score), 6)
      }
      // the room (synthetic-room seed 0) has an orange object and a green one: each text selects something, but not everything
      for (const q of [orange, green]) {
        expect(q.map3d!.pointsSelected).toBeGreaterThan(0)
        expect(q.map3d!.pointsSelected).toBeLessThan(q.map3d!.points)
        expect(q.frames2d!.pixelsSelected).toBeGreaterThan(0)
      }
      expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.frames2dMs + r.timings.map3dMs)
      expect(Object.keys(r.timings.querier)).toContain('encode_queries')
    } finally {
      await h.close()
    }
  })

  it('uses the 2D codec the caller names, and the threshold given for one query only', async () => {
    const h = await openRun(run, registry, { storage2d: 'storage2d' })
    try {
      expect(h.stages.storage2d).toBe('storage2d')
      const all = await h.query(['red'], { out: join(base, 'out-b'), with: { threshold: -1 } })
      expect(all.threshold).toBe(-1)
      // at -1 every mask and every point with a feature is selected
      expect(all.queries[0].frames2d!.masksSelected).toBe(all.queries[0].frames2d!.masks)
      const again = await h.query(['red'], { out: join(base, 'out-c') })
      expect(again.threshold).toBe(0.5)
      expect(again.queries[0].frames2d!.masksSelected).toBeLessThan(all.queries[0].frames2d!.masksSelected)
    } finally {
      await h.close()
    }
  })

  it('refuses a named codec that cannot read back, a stage that does not exist, and a run without a querier', async () => {
    await expect(openRun(run, registry, { storage2d: 'dense2d' })).rejects.toThrow(/storage2d stage "dense2d" \(dense\) cannot read back what it stored: its plugin has no read\(\)/)
    const e = await openRun(run, registry, { storage3d: 'nope' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PlafError)
    expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_RUN_NOT_QUERYABLE', actual: 'nope', expected: 'one of storage3d' })

    const noq = join(base, 'noq')
    expect((await cli('run', join(base, 'noq.yaml'), '--out', noq, '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)).code).toBe(0)
    const err = await openRun(noq, registry).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(PlafError)
    expect((err as PlafError).diagnostics).toEqual([expect.objectContaining({
      code: 'PLAF_RUN_NOT_QUERYABLE', file: join(noq, 'config.resolved.yaml'),
      message: 'the run has no querier stage, so which text encoder embeds the queries is unknown',
    })])
  }, 60_000)

  it('refuses a directory that is not a finished run, naming what is missing', async () => {
    const empty = tempDir()
    await expect(openRun(join(empty, 'none'), registry)).rejects.toThrow(/run directory .*none does not exist/)
    await expect(openRun(empty, registry)).rejects.toThrow(/is not a run directory: config.resolved.yaml and manifest.json missing/)
    // a run without report.json (interrupted, or still running)
    for (const f of ['config.resolved.yaml', 'manifest.json']) cpSync(join(run, f), join(empty, f))
    const e = await openRun(empty, registry).catch((x: unknown) => x)
    expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_FILE_NOT_FOUND', file: join(empty, 'report.json'), hint: 'finish it with plaf run <pipeline> --resume --out <run dir>' })
  })

  it('leaves out frames the codec never stored, and stops with the stage and frame on a stored file that is gone', async () => {
    const copy = join(tempDir(), 'run')
    cpSync(run, copy, { recursive: true })
    // A frame is stored when its manifest is there (an interrupted run has no index.json yet).
    rmSync(join(copy, 'compact2d', '000001.json'))
    const h = await openRun(copy, registry)
    try {
      const r = await h.query(['red'])
      expect(r).toMatchObject({ frames: 1, framesNotStored: ['000001'] })
      expect(r.queries[0].frames2d!.pixels).toBe(160 * 120)
      rmSync(join(copy, 'compact2d', '000000.ids.png'))
      const e = await h.query(['red']).catch((x: unknown) => x)
      expect((e as PlafError).diagnostics[0]).toMatchObject({
        code: 'PLAF_FILE_NOT_FOUND', stage: 'compact2d', plugin: 'mask-indexed', frame: '000000',
        message: expect.stringMatching(/^stage compact2d \(mask-indexed\) frame 000000: id map .*000000\.ids\.png does not exist$/),
      })
    } finally {
      await h.close()
    }
  })

  it('--skip-damaged leaves a damaged stored frame out with a counted warning; without it the damage is an error', async () => {
    const copy = join(tempDir(), 'run')
    cpSync(run, copy, { recursive: true })
    const table = readdirSync(join(copy, 'compact2d')).find((f) => f.startsWith('000001.') && /features|table|safetensors/.test(f))!
    const bytes = readFileSync(join(copy, 'compact2d', table))
    writeFileSync(join(copy, 'compact2d', table), bytes.subarray(0, bytes.length >> 1)) // cut in half
    const strict = await cli('query', copy, '--text', 'red')
    expect(strict.code).toBe(1)
    expect(strict.err).toMatch(/^.*stage compact2d \(mask-indexed\) frame 000001: /m)
    const lenient = await cli('query', copy, '--text', 'red', '--skip-damaged', '--json')
    expect(lenient.code, lenient.err).toBe(0)
    const r = JSON.parse(lenient.out) as QueryResult
    expect(r.frames).toBe(1)
    expect(r.framesDamaged.map((d) => d.frame)).toEqual(['000001'])
    expect(r.framesNotStored).toEqual([])
    expect(r.notes.filter((n) => n.code === 'PLAF_FRAME_SKIPPED')).toEqual([expect.objectContaining({ severity: 'warning', frame: '000001', stage: 'compact2d', message: expect.stringMatching(/^frame 000001 left out of the query \(--skip-damaged\): stage compact2d/) as unknown })])
    const text = await cli('query', copy, '--text', 'red', '--skip-damaged')
    expect(text.out).toContain('1 stored frame could not be read and is left out (--skip-damaged): 000001')
  })

  it('walks the stored frames by id, reading no input frame, when the querier draws no picture; a querier that says so but reads pixels fails loudly', async () => {
    let walked = 0
    const counting = (p: Plugin): Plugin => {
      if (p.kind !== 'input' || p.name !== 'synthetic-room') return p
      const input = p as InputPlugin
      return {
        ...input,
        async create(o, ctx) {
          const source = await input.create(o, ctx)
          const frames = source.frames.bind(source)
          source.frames = async function* (from?: number) {
            for await (const f of frames(from)) {
              walked++
              yield f
            }
          }
          return source
        },
      } as InputPlugin
    }
    const h = await openRun(run, new Registry(builtins.map(counting), 'built-in', { compileSchemas: false }))
    try {
      const plain = await h.query(['red'], { with: { write_masks: true, write_overlays: false }, out: join(tempDir(), 'plain') })
      expect(walked).toBe(0)
      expect(plain).toMatchObject({ frames: 2, framesNotStored: [] })
      const pictures = await h.query(['red'], { with: { write_masks: true, write_overlays: true }, out: join(tempDir(), 'pictures') })
      expect(walked).toBe(2)
      expect(pictures.frames).toBe(2)
      expect(pictures.queries).toEqual(plain.queries)
      expect(readFileSync(join(plain.out, 'red', '000000.mask.png'))).toEqual(readFileSync(join(pictures.out, 'red', '000000.mask.png')))
    } finally {
      await h.close()
    }
    // a querier that declares it reads no pixels, then draws an overlay: PLAF_INTERNAL naming the field, no made-up image
    const lying = builtins.map((p) => (p.kind === 'querier' && p.name === 'text' ? { ...p, readsFramePixels: () => false } : p)) as Plugin[]
    const l = await openRun(run, new Registry(lying, 'built-in', { compileSchemas: false }))
    try {
      const e = await l.query(['red'], { with: { write_overlays: true }, out: join(tempDir(), 'lying') }).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(PlafError)
      expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INTERNAL', message: expect.stringMatching(/read frame 000000's rgb, but its plugin declared \(readsFramePixels: false\)/) as unknown })
    } finally {
      await l.close()
    }
  })

  it('reports a bad query option as a located diagnostic: the flag, the option path, expected and actual', async () => {
    const h = await openRun(run, registry)
    try {
      const e = await h.query(['red'], { with: { threshold: 1.5 }, flags: { threshold: '--threshold 1.5' } }).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(PlafError)
      expect((e as PlafError).diagnostics).toMatchInlineSnapshot(`
        [
          {
            "actual": "1.5",
            "code": "PLAF_INVALID_OPTION",
            "column": 13,
            "expected": "<= 1",
            "hint": "options: plaf plugins text",
            "message": "threshold must be <= 1",
            "path": "threshold",
            "plugin": "text",
            "severity": "error",
            "source": "--threshold 1.5",
            "stage": "querier",
          },
        ]
      `)
      await expect(h.query([])).rejects.toThrow(/at least one text/)
    } finally {
      await h.close()
    }
    await expect(h.query(['red'])).rejects.toThrow(/after close/)
  })
})

describe('plaf query', () => {
  it('prints per query the points, masks and pixels selected and the best scores', async () => {
    const out = join(base, 'out-cli')
    const r = await cli('query', run, '--text', 'red', '--text', 'dark green', '--out', out)
    expect(r.code, r.err).toBe(0)
    const s = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'))
    const n = (x: number) => x.toLocaleString('en-US')
    const line = (q: { text: string; frames_2d: Record<string, number> & { best: { score: number } }; map: Record<string, number> & { top_pool_rows: { score: number }[] } }, pad: number, w: number[]) =>
      `  ${q.text.padEnd(pad)}   3D ${n(q.map.points_above_threshold).padStart(w[0])} of ${n(q.map.points)} points, best ${q.map.top_pool_rows[0].score.toFixed(2)}` +
      `   2D ${n(q.frames_2d.masks_above_threshold).padStart(w[1])} of ${n(q.frames_2d.masks)} masks, ${n(q.frames_2d.pixels_above_threshold).padStart(w[2])} of ${n(q.frames_2d.pixels)} pixels, best ${q.frames_2d.best.score.toFixed(2)}`
    const w = [
      Math.max(...s.queries.map((q: { map: { points_above_threshold: number } }) => n(q.map.points_above_threshold).length)),
      Math.max(...s.queries.map((q: { frames_2d: { masks_above_threshold: number } }) => n(q.frames_2d.masks_above_threshold).length)),
      Math.max(...s.queries.map((q: { frames_2d: { pixels_above_threshold: number } }) => n(q.frames_2d.pixels_above_threshold).length)),
    ]
    const lines = r.out.split('\n')
    expect(lines[0]).toMatch(/^queried 2 texts on 2 stored frames \(compact2d\) and the 3D map \(storage3d\) in \d+ ms \(no features recomputed\)$/)
    expect(lines.slice(1, 5)).toEqual(['', 'text queries (cosine ≥ 0.5):', line(s.queries[0], 10, w), line(s.queries[1], 10, w)])
    expect(lines[4]).toMatch(/^ {2}dark green {3}3D +[\d,]+ of [\d,]+ points, best \d\.\d\d {3}2D +\d+ of 96 masks, +[\d,]+ of 38,400 pixels, best \d\.\d\d$/)
  })

  it('--json prints the whole result', async () => {
    const r = await cli('query', run, '--text', 'red', '--threshold', '0.25', '--out', join(base, 'out-json'), '--json')
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out) as QueryResult
    expect(j).toMatchObject({ texts: ['red'], threshold: 0.25, frames: 2, framesNotStored: [], notes: [] })
    expect(j.queries[0].map3d!.pointsSelected).toBe(JSON.parse(readFileSync(j.scoresFile, 'utf8')).queries[0].map.points_above_threshold)
  })

  it('points a bad --threshold at the flag, exit 1', async () => {
    const r = await cli('query', run, '--text', 'red', '--threshold', '1.5', '--out', join(base, 'out-bad'))
    expect(r.code).toBe(1)
    expect(r.err).toMatchInlineSnapshot(`
      "--threshold 1.5 error threshold must be <= 1  PLAF_INVALID_OPTION
           | --threshold 1.5
           |             ^
           expected <= 1; got 1.5; options: plaf plugins text
      "
    `)
    const nan = await cli('query', run, '--text', 'red', '--threshold', 'high')
    expect(nan.code).toBe(1)
    expect(nan.err.split('\n')[0]).toBe('--threshold high error threshold must be number  PLAF_INVALID_OPTION')
  })
})

describe('plaf query: modes, frames and labels', () => {
  it('--frames scores only those frames (leading zeros optional), --mode relevancy with --negatives, --threshold auto', async () => {
    const out = join(base, 'out-frames')
    const r = await cli('query', run, '--text', 'red', '--frames', '1', '--mode', 'relevancy', '--negatives', 'white,grey', '--threshold', 'auto', '--out', out, '--json', '--images')
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out) as QueryResult
    expect(j).toMatchObject({ frames: 1, mode: 'relevancy', threshold: 'auto' })
    expect(readdirSync(join(out, 'red')).sort()).toEqual(['000001.mask.png', '000001.overlay.png', '000001.top.json', 'contact-sheet.png'])
    expect(readdirSync(out)).toContain('red.map.png')
    const top = JSON.parse(readFileSync(join(out, 'red', '000001.top.json'), 'utf8'))
    expect(top).toMatchObject({ frame: '000001', text: 'red', mode: 'relevancy' })
    expect(typeof top.threshold).toBe('number')
    const selected = top.masks.filter((m: { selected: boolean }) => m.selected)
    expect(selected.every((m: { score: number }) => m.score >= top.threshold)).toBe(true)
    expect(JSON.parse(readFileSync(join(out, 'texts.json'), 'utf8'))).toMatchObject({ texts: ['red', 'white', 'grey'], roles: ['query', 'negative', 'negative'] })
  })

  it('relevancy with negatives the encoder cannot embed names them as the default negatives and the flag that changes them (query and view)', async () => {
    const r = await cli('query', run, '--text', 'red', '--mode', 'relevancy', '--out', join(base, 'out-rel'))
    expect(r.code).toBe(1)
    const why = 'relevancy mode scores each query against the default negative phrases (LERF\'s: object, things, stuff, texture), and the encoder cannot embed "object": ' +
      'text "object" names no colour, so color-lexicon-text cannot embed it  PLAF_INVALID_OPTION\n' +
      '     got object; choose negatives the encoder embeds with --negatives <a,b,…> (plaf query, plaf view) or the querier\'s negatives option; ' +
      'use a colour word (a basic term such as "red", or a named colour such as "navy blue") or set unknown: zero\n'
    expect(r.err).toBe(`plaf error stage querier (text): ${why}`)
    const v = await cli('view', run, '--mode', 'relevancy', '--export', join(base, 'rel.html'))
    expect(v.code).toBe(1)
    expect(v.err).toBe(`plaf error ${why}`)
    const ok = await cli('view', run, '--mode', 'relevancy', '--negatives', 'white, grey', '--export', join(base, 'rel.html'))
    expect(ok.code, ok.err).toBe(0)
    expect(ok.out).toMatch(/; relevancy scores, threshold 0\.5; /)
    const page = readFileSync(join(base, 'rel.html'), 'utf8')
    expect(page).toContain('"negatives":["white","grey"]')
  })

  it('--mode softmax with one --text is refused (softmax over one text selects everything); with two it runs', async () => {
    const r = await cli('query', run, '--text', 'red', '--mode', 'softmax', '--out', join(base, 'out-soft1'))
    expect(r.code).toBe(1)
    expect(r.err).toBe('plaf error stage querier (text): mode softmax scores each query against the other queries, and there is only one ("red"): softmax over one text is 1 everywhere, so every mask and point would be selected  PLAF_INVALID_OPTION\n' +
      '     expected at least two queries to compare; got softmax; give at least two queries (plaf query: --text a --text b), or use mode cosine (raw scores) or relevancy (against negative phrases)\n')
    const two = await cli('query', run, '--text', 'red', '--text', 'green', '--mode', 'softmax', '--out', join(base, 'out-soft2'))
    expect(two.code, two.err).toBe(0)
    expect(two.out).toContain('\ntext queries (softmax ≥ 0.5):\n')
  })

  it('plaf view --allow-host: the server answers to that name too, refuses others saying how to allow them, and answers a text the encoder cannot embed with 400 (logged)', async () => {
    const out: string[] = []
    const err: string[] = []
    let stop = () => {}
    const until = new Promise<void>((ok) => (stop = ok))
    const done = viewCommand(run, { text: [], port: '0', allowHost: ['myhost.local'] }, { out: (t) => void out.push(t), err: (t) => void err.push(t) }, until)
    while (!out.length) await new Promise((ok) => setTimeout(ok, 20))
    const port = /:(\d+)\/ \(Ctrl-C/.exec(out[0])![1]
    const at = (path: string, host: string) => new Promise<{ status: number; body: string }>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port: Number(port), path, headers: { host } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => ok({ status: res.statusCode!, body }))
      })
      req.on('error', fail)
      req.end()
    })
    try {
      expect((await at('/api/info', `myhost.local:${port}`)).status).toBe(200)
      const why = `wrong Host header "other.local:${port}": this server answers to 127.0.0.1, myhost.local and loopback names, on port ${port}; to let it answer to other.local too, start it with --allow-host other.local (repeatable; other names stay refused against DNS rebinding)`
      expect(await at('/api/info', `other.local:${port}`)).toEqual({ status: 403, body: `403 ${why}\n` })
      const chair = await at('/api/query?q=chair', `127.0.0.1:${port}`)
      const refused = 'text "chair" names no colour, so color-lexicon-text cannot embed it (use a colour word (a basic term such as "red", or a named colour such as "navy blue") or set unknown: zero)'
      expect(chair).toEqual({ status: 400, body: `400 ${refused}\n` })
      expect(err).toEqual([`plaf view: GET /api/info: 403 ${why}`, `plaf view: GET /api/query?q=chair: 400 ${refused}`])
    } finally {
      stop()
      expect(await done).toBe(0)
    }
  })

  it('writes no pictures unless --images: top masks, scores and PLYs only, the counts printed', async () => {
    const out = join(base, 'out-noimages')
    const r = await cli('query', run, '--text', 'red', '--out', out)
    expect(r.code, r.err).toBe(0)
    expect(readdirSync(join(out, 'red')).sort()).toEqual(['000000.top.json', '000001.top.json'])
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toEqual([])
    expect(r.out).toMatch(/^ {2}red {3}3D [\d,]+ of [\d,]+ points, best -?\d\.\d\d {3}2D \d+ of \d+ masks/m)
    expect(r.out).toContain('--images: also masks, overlays, contact sheets, map snapshots')
  })

  it('--labels writes one label image per frame: each mask its argmax label, 0 where there is no mask or below the threshold', async () => {
    const out = join(base, 'out-labels')
    const r = await cli('query', run, '--labels', 'red,green,blue', '--threshold', '0.3', '--out', out)
    expect(r.code, r.err).toBe(0)
    expect(readdirSync(join(out, 'labels')).sort()).toEqual(['000000.png', '000001.png', 'labels.json', 'map-labels.json', 'map-labels.npy', 'map.ply']) // the 3D map's labels too
    const lj = JSON.parse(readFileSync(join(out, 'labels', 'labels.json'), 'utf8'))
    expect(lj).toMatchObject({ labels: ['background', 'red', 'green', 'blue'], frames: 2 })
    // the printout: per label the points (counted in map-labels.npy) and pixels (counted in the label PNGs), and only the outputs written
    const points = [0, 0, 0, 0]
    for (const v of decodeNpy(readFileSync(join(out, 'labels', 'map-labels.npy'))).data as Uint16Array) points[v]++
    const pixels = [0, 0, 0, 0]
    for (const id of ['000000', '000001']) for (const v of decodePng(readFileSync(join(out, 'labels', `${id}.png`))).data) pixels[v]++
    const n = (x: number) => x.toLocaleString('en-US')
    const w3 = Math.max(...points.map((x) => n(x).length))
    const w2 = Math.max(...pixels.map((x) => n(x).length))
    const row = (name: string, i: number) => `  ${name.padEnd(10)}   3D ${n(points[i]).padStart(w3)} of ${n(points.reduce((a, b) => a + b))} points   2D ${n(pixels[i]).padStart(w2)} of 38,400 pixels`
    expect(r.out.replace(/ in \d+ ms /, ' in … ms ')).toBe([
      'queried 3 labels on 2 stored frames (compact2d) and the 3D map (storage3d) in … ms (no features recomputed)',
      '',
      'labels (cosine ≥ 0.3; each mask and point its best label, background below the threshold or without a feature):',
      row('red', 1), row('green', 2), row('blue', 3), row('background', 0),
      '',
      `outputs: ${out} (scores.json, text.npy + texts.json; labels/<frame>.png, labels/labels.json)`,
      '  3D: labels/map.ply, labels/map-labels.npy',
      '',
    ].join('\n'))
    expect(readdirSync(out).sort()).toEqual(['labels', 'query.json', 'scores.json', 'text.npy', 'texts.json'])
    // --json: the same counts per label value (background 0), next to QueryResult's own fields
    const j = await cli('query', run, '--labels', 'red,green,blue', '--threshold', '0.3', '--out', join(base, 'out-labels-json'), '--json')
    expect(j.code, j.err).toBe(0)
    const json = JSON.parse(j.out) as { labelCounts: unknown; threshold: unknown; queries: unknown }
    expect(json.labelCounts).toEqual(['background', 'red', 'green', 'blue'].map((label, value) => ({ label, value, points: points[value], pixels: pixels[value] })))
    expect(json).toMatchObject({ threshold: 0.3, queries: [] })
    const h = await openRun(run, registry)
    await h.close()
    // the label image agrees with each mask's argmax over the three labels' cosines (stored table · text.npy)
    const text = decodeNpy(readFileSync(join(out, 'text.npy')))
    const t = text.data as Float32Array
    const d = text.shape[1]
    for (const id of ['000000', '000001']) {
      const f = read2DFrame(join(run, 'compact2d'), id)
      const feats = f.features()
      const png = decodePng(readFileSync(join(out, 'labels', `${id}.png`)))
      const rows = f.table.shape[0]
      const want = new Uint8Array(rows)
      for (let k = 1; k < rows; k++) {
        const row = feats.subarray(k * d, k * d + d)
        const n = Math.hypot(...row)
        if (n === 0) continue
        const cos = [0, 1, 2].map((l) => row.reduce((a, x, j) => a + x * t[l * d + j], 0) / n / Math.hypot(...t.subarray(l * d, l * d + d)))
        const best = cos.indexOf(Math.max(...cos))
        want[k] = cos[best] >= 0.3 ? best + 1 : 0
      }
      expect(Array.from(png.data)).toEqual(Array.from(f.ids.data, (k) => want[k]))
    }
    expect(lj.pixels.slice(1).some((p: number) => p > 0)).toBe(true)
  })

  it('names a frame the run did not store, an unknown mode and an empty --labels as located user errors (exit 1)', async () => {
    const r = await cli('query', run, '--text', 'red', '--frames', '0,7', '--out', join(base, 'out-bad-frames'))
    expect(r.code).toBe(1)
    expect(r.err.split('\n')[0]).toBe('--frames 0,7 error frames: the run stored no frame 7  PLAF_INVALID_OVERRIDE')
    const m = await cli('query', run, '--text', 'red', '--mode', 'lerf', '--out', join(base, 'out-bad-mode'))
    expect(m.code).toBe(1)
    expect(m.err).toMatch(/^--mode lerf error mode must be equal to one of the allowed values/)
    const l = await cli('query', run, '--labels', ',', '--out', join(base, 'out-bad-labels'))
    expect(l.code).toBe(1)
    expect(l.err).toMatch(/--labels needs a comma-separated list/)
    // an empty --labels was given: a list mistake, not "needs at least one --text or --labels"
    const e = await cli('query', run, '--labels', '', '--out', join(base, 'out-empty-labels'))
    expect(e.code).toBe(1)
    expect(e.err).toMatch(/--labels needs a comma-separated list, got ""/)
    const none = await cli('query', run)
    expect(none.code).toBe(1)
    expect(none.err).toMatch(/needs at least one --text or --labels/)
  })
})

describe('a finished run whose input moved', () => {
  it('is queried and exported from the run directory alone; pictures say they need the input and name it', async () => {
    const dir = tempDir()
    const P = (s: string) => join(dir, s)
    expect((await cli('make-scene', P('scene'), '--frames', '2', '--set', 'color_width=160', '--set', 'color_height=120', '--set', 'depth_width=80', '--set', 'depth_height=60')).code).toBe(0)
    writeFileSync(P('p.yaml'), pipeline(true).replace(`input: { ${room} }`, 'input: { use: scannet, with: { scene: scene } }'))
    const ran = await cli('run', P('p.yaml'), '--out', P('run'), '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
    expect(ran.code, ran.err).toBe(0)
    // the scene moves away and the run directory is copied elsewhere: both are queried without it
    renameSync(P('scene'), P('moved'))
    cpSync(P('run'), P('copy'), { recursive: true })
    for (const r of [P('run'), P('copy')]) {
      const q = await cli('query', r, '--text', 'orange', '--out', join(r, 'q'))
      expect(q.code, q.err).toBe(0)
      expect(q.err).toBe('')
      expect(q.out).toMatch(/^queried 1 text on 2 stored frames \(compact2d\) and the 3D map \(storage3d\) in \d+ ms \(no features recomputed\)\n/)
    }
    const v = await cli('view', P('copy'), '--export', P('page.html'))
    expect(v.code, v.err).toBe(0)
    expect(v.err).toBe(`note: the page has no camera path and no frame thumbnails: the run's input cannot be read (PLAF_FILE_NOT_FOUND: scene directory ${P('scene')} does not exist); the 3D map and its scores need only the run directory\n`)
    const pictures = await cli('query', P('copy'), '--text', 'orange', '--images', '--out', P('pics'))
    expect(pictures.code).toBe(1)
    expect(pictures.err).toBe(`${join(P('copy'), 'config.resolved.yaml')} error drawing pictures (mask and overlay images, contact sheets) reads the run's input frames, and its input (scannet) cannot be read: scene directory ${P('scene')} does not exist  PLAF_FILE_NOT_FOUND\n` +
      `     expected a directory holding color/, depth/, pose/, intrinsic/; got ${P('scene')}; put the input back where the run found it, or query without pictures (plaf query without --images; write_masks and write_overlays false): scores, top masks and 3D outputs need only the run directory\n`)
  }, 60_000)
})
