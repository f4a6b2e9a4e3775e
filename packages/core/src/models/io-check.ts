import { diagnostic, type Diagnostic } from '../diagnostics.js'
import type { ModelGraph, TensorSpec } from './manifest.js'
import { jsonPath } from './manifest-schema.js'
import type { ManifestLocate } from './model-paths.js'
import { describeTensor, type OnnxIo, type OnnxIoValue } from './onnx-io.js'

/**
 * True when a declared dim fits the file's: equal numbers, or either side symbolic (a file's
 * dynamic dim accepts the declared fixed size; a declared symbolic dim says "any").
 */
const dimFits = (declared: number | string, real: number | string): boolean =>
  typeof declared !== 'number' || typeof real !== 'number' || declared === real

const fits = (d: TensorSpec, r: OnnxIoValue): boolean =>
  d.dtype === r.dtype && d.shape.length === r.shape.length && d.shape.every((x, i) => dimFits(x, r.shape[i]!))

/**
 * Compares a graph's declared inputs and outputs with the ONNX file's real ones. Every difference
 * is a PLAF_MODEL_IO_MISMATCH diagnostic naming the tensor, located at its manifest entry:
 * a declared tensor the file lacks, one of another dtype or shape, and a file input or output the
 * manifest does not declare.
 */
export function compareGraphIo(model: string, role: string, graph: ModelGraph, real: OnnxIo, manifestFile: string, locate: ManifestLocate): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const side of ['inputs', 'outputs'] as const) {
    const word = side === 'inputs' ? 'input' : 'output'
    const byName = new Map(real[side].map((v) => [v.name, v]))
    graph[side].forEach((d, i) => {
      const path = ['graphs', role, side, i]
      const r = byName.get(d.name)
      const where = { file: manifestFile, path: jsonPath(path), ...locate(path) }
      if (!r) {
        out.push(diagnostic('PLAF_MODEL_IO_MISMATCH', `model ${model}, graph "${role}" (${graph.file}): ${word} "${d.name}" is declared but the ONNX file has no such ${word}`, {
          ...where, expected: `${word} "${d.name}" ${describeTensor(d)}`, actual: `${side} ${real[side].map((v) => `"${v.name}"`).join(', ') || 'none'}`,
        }))
      } else if (!fits(d, r)) {
        out.push(diagnostic('PLAF_MODEL_IO_MISMATCH', `model ${model}, graph "${role}" (${graph.file}): ${word} "${d.name}" is declared ${describeTensor(d)} but the ONNX file has ${describeTensor(r)}`, {
          ...where, expected: describeTensor(d), actual: describeTensor(r),
        }))
      }
    })
    const declared = new Set(graph[side].map((d) => d.name))
    for (const r of real[side].filter((v) => !declared.has(v.name))) {
      const path = ['graphs', role, side]
      out.push(diagnostic('PLAF_MODEL_IO_MISMATCH', `model ${model}, graph "${role}" (${graph.file}): the ONNX file has ${word} "${r.name}" ${describeTensor(r)}, which the manifest does not declare`, {
        file: manifestFile, path: jsonPath(path), ...locate(path), expected: `${side} ${graph[side].map((d) => `"${d.name}"`).join(', ') || 'none'}`, actual: `"${r.name}" ${describeTensor(r)}`,
      }))
    }
  }
  return out
}
