import { describeReadmeOptions } from '@plaf/core/testing'
import { maskIndexedStorage, denseStorage, indexReferenceStorage } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [maskIndexedStorage, denseStorage, indexReferenceStorage])
