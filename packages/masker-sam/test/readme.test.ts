import { describeReadmeOptions } from '@plaf/core/testing'
import plugins from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), plugins)
