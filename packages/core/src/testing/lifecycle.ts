import type { PluginContext, StageInstance } from '../plugin.js'

interface Entry {
  label: string
  disposes: number
}

/**
 * Counts the stage instances created during one conformance round — the plugin's own and every
 * one it creates through `ctx.instantiate` — and how often each is disposed. Each instance's
 * `dispose` is replaced by a counting wrapper (one is added where an instance has none: whoever
 * creates an instance owns it and disposes it, `inst.dispose?.()`).
 */
export class InstanceLedger {
  private readonly entries: Entry[] = []

  /** Wraps `inst.dispose` to count calls; returns the same instance. */
  track<T extends StageInstance>(label: string, inst: T): T {
    const entry: Entry = { label, disposes: 0 }
    this.entries.push(entry)
    const original = inst.dispose?.bind(inst)
    const dispose = async (): Promise<void> => {
      entry.disposes++
      await original?.()
    }
    // A frozen instance cannot take the wrapper: hand out an object that inherits from it instead.
    if (!Object.isFrozen(inst)) return Object.assign(inst, { dispose })
    return Object.create(inst, { dispose: { value: dispose, enumerable: true } }) as T
  }

  /** Makes `ctx.instantiate` (and so every context derived from `ctx` later) track what it creates. */
  watch(ctx: PluginContext): void {
    const instantiate = ctx.instantiate
    let n = 0
    ctx.instantiate = async (kind, use, options) => this.track(`${kind} ${use} (instantiated #${++n})`, await instantiate(kind, use, options))
  }

  /** Instances not disposed exactly once, with their counts; empty when every create paired with one dispose. */
  unbalanced(): string[] {
    return this.entries.filter((e) => e.disposes !== 1).map((e) => `${e.label}: disposed ${e.disposes} times, expected once`)
  }

  /** Number of instances created. */
  get created(): number {
    return this.entries.length
  }
}
