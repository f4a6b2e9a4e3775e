import { describeReadmeOptions } from '@plaf/core/testing'
import { clipDenseBackbone } from '../src/clip-dense.js'
import { clipTextEncoder } from '../src/clip-text.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [clipDenseBackbone, clipTextEncoder])
