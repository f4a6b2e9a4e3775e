import { describeReadmeOptions } from '@plaf/core/testing'
import { replicaInput, rgbdFolderInput, scannetInput, syntheticRoomInput, tumInput } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [syntheticRoomInput, scannetInput, rgbdFolderInput, tumInput, replicaInput])
