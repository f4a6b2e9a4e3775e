import { describeReadmeOptions } from '@plaf/core/testing'
import { backprojectLifter } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [backprojectLifter])
