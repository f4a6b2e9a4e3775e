import { describeReadmeOptions } from '@plaf/core/testing'
import { maskMeanAggregator } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [maskMeanAggregator])
