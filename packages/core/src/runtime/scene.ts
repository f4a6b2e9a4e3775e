/** The scene-level phase after the last frame: `finish` of frame stages and `run` of scene stages. */
import type { PortRecord } from '../plugin.js'
import { PORT_SCOPES } from '../ports.js'
import type { OpenStage } from './frames.js'
import { checkOutputs, type ProgressClock, type RunStats, wrapError } from './stats.js'
import { DEFAULT_STAGE_TIMEOUT_MS, guardCall } from './guard.js'

/**
 * Calls, in pipeline order, `finish` of every frame stage that has one and `run` of every scene
 * stage, each with the scene-scoped outputs of the calls above it; emits a `finish` event before
 * each call. Returns the scene outputs by `<stage>.<port>`.
 */
export async function finishScene(stages: readonly OpenStage[], stats: RunStats, progress: ProgressClock, stageTimeoutMs = DEFAULT_STAGE_TIMEOUT_MS): Promise<Map<string, unknown>> {
  const scene = new Map<string, unknown>()
  for (const { stage, inst } of stages) {
    if (stage.mode === 'frame' && !inst.finish) continue
    const inputs: PortRecord = {}
    for (const [port, src] of Object.entries(stage.wiring)) {
      if (PORT_SCOPES[stage.plugin.inputs[port]] === 'scene') inputs[port] = scene.get(`${src.stage}.${src.port}`)
    }
    progress.emit('finish', { stage: stage.key, plugin: stage.use })
    let out: PortRecord
    try {
      const rc = stats.rc(stage.key, stage.use)
      const call = () => guardCall(stage.mode === 'scene' ? inst.run(inputs, rc) : inst.finish!(inputs, rc), stageTimeoutMs, { stage: stage.key, plugin: stage.use })
      out = ((await stats.timed(stage.key, call)) ?? {}) as PortRecord
    } catch (e) {
      throw wrapError(e, stage)
    }
    checkOutputs(stage, out, 'scene')
    stats.count(stage, out)
    for (const [port, type] of Object.entries(stage.plugin.outputs)) if (PORT_SCOPES[type] === 'scene') scene.set(`${stage.key}.${port}`, out[port])
  }
  return scene
}
