import { describeReadmeOptions } from '@plaf/core/testing'
import { radioBackbone } from '../src/radio.js'
import { siglipTextEncoder } from '../src/siglip-text.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [radioBackbone, siglipTextEncoder])
