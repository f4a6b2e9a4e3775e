import { describeReadmeOptions } from '@plaf/core/testing'
import { clipDenseBackbone } from '../src/clip-dense.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [clipDenseBackbone])
