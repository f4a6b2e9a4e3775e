import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultResultsDir, parseConfig, UsageError } from '../src/config.js'

describe('parseConfig', () => {
  it('defaults: every case, 480×640 dense only, 1M points, results in bench/results', () => {
    const c = parseConfig([])!
    expect(c.mode).toBe('default')
    expect(c.only).toEqual(['aggregator', 'query3d', 'storage', 'backbone', 'data', 'masker', 'fusion', 'stream'])
    expect(c.aggregator.sizes).toEqual([{ H: 480, W: 640, dense: true }, { H: 968, W: 1296, dense: false }])
    expect(c.aggregator).toMatchObject({ k: 100, d: 1152, grid: [32, 32] })
    expect(c.query3d).toMatchObject({ n: 1_000_000, m: 5000, d: 1152, q: 1 })
    expect(c.outDir).toBe(defaultResultsDir())
    expect(c.latestFile).toBe(join(defaultResultsDir(), 'latest.json'))
    expect(c.backend).toBe('auto')
  })

  it('--quick, --full and --tiny pick presets; --full adds the 968×1296 dense baseline', () => {
    expect(parseConfig(['--quick'])!.query3d.n).toBe(100_000)
    expect(parseConfig(['--full'])!.aggregator.sizes.every((s) => s.dense)).toBe(true)
    expect(parseConfig(['--tiny'])!.aggregator.d).toBe(16)
  })

  it('--only (repeatable or comma-separated) keeps the case order; --runs overrides every run count', () => {
    const c = parseConfig(['--only', 'storage,aggregator', '--runs', '2'])!
    expect(c.only).toEqual(['aggregator', 'storage'])
    expect([c.aggregator.runsSparse, c.aggregator.runsDense, c.query3d.runsPlaf, c.query3d.runsDense, c.backbone.sessionRuns, c.masker.runs]).toEqual([2, 2, 2, 2, 2, 2])
    expect(parseConfig(['--only', 'query3d', '--only', 'storage'])!.only).toEqual(['query3d', 'storage'])
  })

  it('--points, --pool-rows and --queries set the query3d sizes over any preset; each must be a positive integer', () => {
    expect(parseConfig(['--tiny', '--points', '5000', '--pool-rows', '70', '--queries', '3'])!.query3d).toMatchObject({ n: 5000, m: 70, d: 16, q: 3 })
    expect(parseConfig(['--queries', '4'])!.query3d).toMatchObject({ n: 1_000_000, m: 5000, q: 4 })
    expect(() => parseConfig(['--points', '0'])).toThrow('--points needs a positive integer, got "0"')
    expect(() => parseConfig(['--pool-rows', '2.5'])).toThrow('--pool-rows needs a positive integer, got "2.5"')
  })

  it('--out is a directory, or a .json file for the combined results with the cases next to it', () => {
    expect(parseConfig(['--out', '/tmp/r'])).toMatchObject({ outDir: '/tmp/r', latestFile: '/tmp/r/latest.json' })
    expect(parseConfig(['--out', '/tmp/r/all.json'])).toMatchObject({ outDir: '/tmp/r', latestFile: '/tmp/r/all.json' })
  })

  it('returns null for --help', () => {
    expect(parseConfig(['-h'])).toBeNull()
  })

  it.each([
    [['--fast'], /Unknown option '--fast'/],
    [['--quick', '--full'], /choose one of --quick, --full/],
    [['--only', 'gpu'], /unknown case "gpu"/],
    [['--runs', '0'], /--runs needs a positive integer/],
    [['--backend', 'cuda'], /unknown tensor backend "cuda"/],
    [['extra'], /positional/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseConfig(argv)).toThrow(UsageError)
    expect(() => parseConfig(argv)).toThrow(message)
  })
})
