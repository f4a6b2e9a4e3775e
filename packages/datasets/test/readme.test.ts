import { describeReadmeOptions } from '@plaf/core/testing'
import { ade20kInput, replicaInput, rgbdFolderInput, scannetInput, syntheticRoomInput, tumInput } from '../src/index.js'

describeReadmeOptions(new URL('../README.md', import.meta.url), [syntheticRoomInput, scannetInput, rgbdFolderInput, tumInput, replicaInput, ade20kInput])
