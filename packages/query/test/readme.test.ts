import { describeReadmeOptions } from '@plaf/core/testing'
import { textQuerier } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [textQuerier])
