import type { Plugin } from '../plugin.js'
import type { Registry } from '../registry.js'
import { pipelineSkeletonSchema } from './skeleton.js'

const strip = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema, (k, v) => (k === 'plafPlugin' ? undefined : v)))

function refFor(plugins: Plugin[], description: string): Record<string, unknown> {
  return {
    type: 'object',
    description,
    required: ['use'],
    properties: {
      use: { enum: plugins.map((p) => p.name), description: 'Plugin name.' },
      with: { type: 'object' },
      from: { type: 'object', additionalProperties: { type: 'string' } },
    },
    allOf: plugins.map((p) => ({
      if: { properties: { use: { const: p.name } } },
      then: { properties: { with: { ...(strip(p.options) as object), description: `${p.name}: ${p.description}` } } },
    })),
  }
}

/**
 * JSON Schema (draft-07, what yaml-language-server reads) of pipeline files, with every registered
 * plugin's options, so editors complete and check `with:` blocks by `use:`.
 */
export function pipelineEditorSchema(registry: Registry): Record<string, unknown> {
  const all = registry.list()
  const inputs = all.filter((p) => p.kind === 'input')
  const stages = all.filter((p) => p.kind !== 'input')
  const base = JSON.parse(JSON.stringify(pipelineSkeletonSchema)) as { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>
  delete base.$id
  base.properties.input = refFor(inputs, 'The frame source.')
  base.properties.stages = { ...base.properties.stages, additionalProperties: refFor(stages, 'A stage.') }
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://plaf-ts.dev/schema/pipeline.json', title: 'PLAF-TS pipeline', ...base }
}
