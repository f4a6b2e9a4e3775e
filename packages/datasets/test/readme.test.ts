import { describeReadmeOptions } from '@plaf/core/testing'
import { rgbdFolderInput, syntheticRoomInput, scannetInput } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [syntheticRoomInput, scannetInput, rgbdFolderInput])
