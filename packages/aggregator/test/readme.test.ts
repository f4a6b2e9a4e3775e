import { describeReadmeOptions } from '@plaf/core/testing'
import { maskMeanAggregator, patchAggregator, pixelAggregator } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [maskMeanAggregator, pixelAggregator, patchAggregator])
