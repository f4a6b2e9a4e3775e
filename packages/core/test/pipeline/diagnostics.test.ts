import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { Registry, resolvePipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

const registry = new Registry(fixturePlugins)
const base = `input:
  use: flat-frames
  with: { frames: 2 }
stages:
  backbone:
    use: block-mean
    with: { block: 2 }
  masker:
    use: halves
`

async function diags(map: Record<string, string>, overrides: string[] = []) {
  const dir = files(map)
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides, env: {} })
  expect(r.pipeline).toBeUndefined()
  return clean(r.diagnostics, dir)
}

describe('pipeline diagnostics point at file:line:col with the option path', () => {
  it('a wrong type', async () => {
    expect(await diags({ 'p.yaml': base.replace('{ block: 2 }', '{ block: 2.5 }') })).toMatchInlineSnapshot(`
      [
        {
          "actual": "2.5",
          "code": "PLAF_INVALID_OPTION",
          "column": 20,
          "expected": "integer",
          "file": "<dir>/p.yaml",
          "hint": "options: plaf plugins block-mean",
          "line": 7,
          "message": "stages.backbone.with.block must be integer",
          "path": "stages.backbone.with.block",
          "plugin": "block-mean",
          "severity": "error",
          "stage": "backbone",
        },
      ]
    `)
  })
  it('an unknown option, with a suggestion', async () => {
    expect(await diags({ 'p.yaml': base.replace('{ block: 2 }', '{ block: 2, scael: 3 }') })).toMatchInlineSnapshot(`
      [
        {
          "actual": "scael",
          "code": "PLAF_UNKNOWN_OPTION",
          "column": 23,
          "expected": "one of block, scale",
          "file": "<dir>/p.yaml",
          "hint": "did you mean "scale"? options: plaf plugins block-mean",
          "line": 7,
          "message": "stages.backbone.with.scael is not a known option",
          "path": "stages.backbone.with.scael",
          "plugin": "block-mean",
          "severity": "error",
          "stage": "backbone",
        },
      ]
    `)
  })
  it('a missing required option', async () => {
    expect(await diags({ 'p.yaml': base.replace('with: { block: 2 }', 'with: { scale: 2 }') })).toMatchInlineSnapshot(`
      [
        {
          "code": "PLAF_MISSING_OPTION",
          "column": 5,
          "expected": "block",
          "file": "<dir>/p.yaml",
          "hint": "options: plaf plugins block-mean",
          "line": 7,
          "message": "stages.backbone.with.block is required but missing",
          "path": "stages.backbone.with",
          "plugin": "block-mean",
          "severity": "error",
          "stage": "backbone",
        },
      ]
    `)
  })
  it('an unknown plugin name, listing the closest', async () => {
    expect(await diags({ 'p.yaml': base.replace('use: halves', 'use: halvse') })).toMatchInlineSnapshot(`
      [
        {
          "actual": "halvse",
          "code": "PLAF_UNKNOWN_PLUGIN",
          "column": 10,
          "expected": "a registered plugin name (plaf plugins)",
          "file": "<dir>/p.yaml",
          "hint": "closest registered: halves",
          "line": 9,
          "message": "stages.masker.use: no stage plugin named "halvse"",
          "path": "stages.masker.use",
          "severity": "error",
          "stage": "masker",
        },
      ]
    `)
  })
  it('a YAML syntax error', async () => {
    expect(await diags({ 'p.yaml': base.replace('with: { block: 2 }', 'with: { block: 2') })).toMatchInlineSnapshot(`
      [
        {
          "actual": "BAD_INDENT",
          "code": "PLAF_YAML_SYNTAX",
          "column": 3,
          "file": "<dir>/p.yaml",
          "line": 8,
          "message": "YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }",
          "severity": "error",
        },
      ]
    `)
  })
  it('a missing extends file', async () => {
    expect(await diags({ 'p.yaml': `extends: ./nope.yaml\n${base}` })).toMatchInlineSnapshot(`
      [
        {
          "actual": "<dir>/nope.yaml",
          "code": "PLAF_EXTENDS_NOT_FOUND",
          "column": 10,
          "file": "<dir>/p.yaml",
          "line": 1,
          "message": "extends file not found: <dir>/nope.yaml",
          "path": "extends",
          "severity": "error",
        },
      ]
    `)
  })
  it('a cycle of extends', async () => {
    expect(await diags({ 'p.yaml': `extends: ./a.yaml\n${base}`, 'a.yaml': 'extends: ./b.yaml\n', 'b.yaml': 'extends: ./p.yaml\n' })).toMatchInlineSnapshot(`
      [
        {
          "actual": "<dir>/p.yaml",
          "code": "PLAF_EXTENDS_CYCLE",
          "column": 10,
          "file": "<dir>/b.yaml",
          "line": 1,
          "message": "extends cycle: p.yaml → a.yaml → b.yaml → p.yaml",
          "path": "extends",
          "severity": "error",
        },
      ]
    `)
  })
  it('an error inside an extended file points into that file', async () => {
    expect(await diags({ 'p.yaml': 'extends: ./base.yaml\nname: child\n', 'base.yaml': base.replace('{ block: 2 }', '{ block: -1 }') })).toMatchInlineSnapshot(`
      [
        {
          "actual": "-1",
          "code": "PLAF_INVALID_OPTION",
          "column": 20,
          "expected": ">= 1",
          "file": "<dir>/base.yaml",
          "hint": "options: plaf plugins block-mean",
          "line": 7,
          "message": "stages.backbone.with.block must be >= 1",
          "path": "stages.backbone.with.block",
          "plugin": "block-mean",
          "severity": "error",
          "stage": "backbone",
        },
      ]
    `)
  })
  it('a wrong type given with --set names the argument', async () => {
    expect(await diags({ 'p.yaml': base }, ['stages.backbone.with.block=big'])).toMatchInlineSnapshot(`
      [
        {
          "actual": ""big"",
          "code": "PLAF_INVALID_OPTION",
          "column": 34,
          "expected": "integer",
          "hint": "options: plaf plugins block-mean",
          "message": "stages.backbone.with.block must be integer",
          "path": "stages.backbone.with.block",
          "plugin": "block-mean",
          "severity": "error",
          "source": "--set stages.backbone.with.block=big",
          "stage": "backbone",
        },
      ]
    `)
  })
  it('a malformed --set', async () => {
    expect(await diags({ 'p.yaml': base }, ['stages..x'])).toMatchInlineSnapshot(`
      [
        {
          "actual": "stages..x",
          "code": "PLAF_INVALID_OVERRIDE",
          "column": 7,
          "message": "--set expects path=value with a dotted path (e.g. stages.masker.with.k=3)",
          "severity": "error",
          "source": "--set stages..x",
        },
      ]
    `)
  })
  it('an unresolved interpolation', async () => {
    expect(await diags({ 'p.yaml': base.replace('{ frames: 2 }', '{ frames: "${env.NOPE}" }') })).toMatchInlineSnapshot(`
      [
        {
          "actual": "\${env.NOPE}",
          "code": "PLAF_INTERPOLATION",
          "column": 19,
          "file": "<dir>/p.yaml",
          "line": 3,
          "message": "cannot interpolate \${env.NOPE}: environment variable NOPE is not set (give a default with \${env.NOPE:-value})",
          "path": "input.with.frames",
          "severity": "error",
        },
      ]
    `)
  })
  it('an unconnected port', async () => {
    expect(await diags({ 'p.yaml': base.replace('  backbone:\n    use: block-mean\n    with: { block: 2 }\n  masker:\n    use: halves\n', '  count:\n    use: counter\n') })).toMatchInlineSnapshot(`
      [
        {
          "actual": "nothing",
          "code": "PLAF_PORT_UNCONNECTED",
          "column": 10,
          "expected": "MaskSet",
          "file": "<dir>/p.yaml",
          "line": 6,
          "message": "stage count (counter): input port "masks" needs a MaskSet and no earlier stage produces one",
          "path": "stages.count",
          "plugin": "counter",
          "severity": "error",
          "stage": "count",
        },
      ]
    `)
  })
  it('an unknown top-level key', async () => {
    expect(await diags({ 'p.yaml': `stagse: {}\n${base}` })).toMatchInlineSnapshot(`
      [
        {
          "actual": "stagse",
          "code": "PLAF_UNKNOWN_OPTION",
          "column": 1,
          "expected": "one of name, description, extends, plugins, vars, input, stages, runtime, output, sweep",
          "file": "<dir>/p.yaml",
          "hint": "did you mean "stages"?",
          "line": 1,
          "message": "stagse is not a known option",
          "path": "stagse",
          "severity": "error",
        },
      ]
    `)
  })
})
