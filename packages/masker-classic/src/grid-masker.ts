import { defineStage, type OptionsSchema } from '@plaf/core'
import { gridLabels } from './kernels/grid-labels.js'
import { labelsToMasks } from './kernels/labels-to-masks.js'
import { VERSION } from './version.js'

/** Options of the `grid` masker. */
export interface GridOptions {
  cell_size: number
}

const options: OptionsSchema<GridOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cell_size: { type: 'integer', minimum: 1, default: 64, description: 'Side of the square cells in image pixels; cells at the right and bottom edges are truncated.' },
  },
}

/**
 * `grid`: fixed square cells as masks, the trivial baseline that ablates mask quality away
 * (features are then pooled over cells, not objects).
 */
export const gridMasker = defineStage<GridOptions, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'grid',
  kind: 'masker',
  version: VERSION,
  package: '@plaf/masker-classic',
  description: 'Square cells of cell_size pixels as masks: the image-agnostic ablation baseline.',
  options,
  inputs: { frame: 'Frame' },
  outputs: { masks: 'MaskSet' },
  cacheable: true,
  async create(opts) {
    return {
      run({ frame }, rc) {
        const [h, w] = frame.rgb.shape
        const { labels, count } = gridLabels(h, w, opts.cell_size)
        const masks = labelsToMasks(labels, h, w, count)
        rc.metric('masks', masks.masks.length)
        return { masks }
      },
    }
  },
})
