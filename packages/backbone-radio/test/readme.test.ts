import { describeReadmeOptions } from '@plaf/core/testing'
import { radioBackbone } from '../src/radio.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [radioBackbone])
