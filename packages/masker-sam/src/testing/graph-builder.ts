import type { AttributeValue, GraphInitializer, GraphNode, OnnxDataType } from '@plaf/core'

/** A tiny helper to write ONNX graphs as a list of calls: each `op` returns its output's name. */
export class GraphBuilder {
  readonly nodes: GraphNode[] = []
  readonly initializers: GraphInitializer[] = []
  private count = 0

  /** Adds a node with one output (named `out`, or a fresh name) and returns that name. */
  op(op: string, inputs: string[], attributes?: Record<string, AttributeValue>, out?: string): string {
    const name = out ?? `${op.toLowerCase()}_${this.count++}`
    this.nodes.push({ op, inputs, outputs: [name], ...(attributes ? { attributes } : {}) })
    return name
  }

  /** Adds a constant tensor and returns its name. */
  constant(type: OnnxDataType, dims: number[], data: ArrayLike<number> | BigInt64Array, name = `const_${this.count++}`): string {
    this.initializers.push({ name, type, dims, data })
    return name
  }

  /** int64 constant vector. */
  ints(values: number[]): string {
    return this.constant('int64', [values.length], values)
  }

  /** float32 scalar as a [1] tensor (broadcasts). */
  scalar(v: number): string {
    return this.constant('float32', [1], [v])
  }

  /** `x[axis][start:end]`. */
  slice(x: string, axis: number, start: number, end: number): string {
    return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([axis])])
  }

  reshape(x: string, shape: number[], out?: string): string {
    return this.op('Reshape', [x, this.ints(shape)], undefined, out)
  }

  /** A float32 scalar equal to 0 that depends on `x` (so graph inputs the computation ignores are still read). */
  zeroOf(x: string, type: OnnxDataType): string {
    const f = type === 'float32' ? x : this.op('Cast', [x], { to: 1 })
    return this.op('Mul', [this.op('ReduceSum', [f], { keepdims: 0 }), this.scalar(0)])
  }
}
