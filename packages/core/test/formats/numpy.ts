import { pythonCheck } from '../../src/testing/python.js'

const numpy = pythonCheck(['numpy'], ['python3-numpy'])

/** True when a python3 with numpy is there: the independent .npy reader for these tests. */
export const hasNumpy = numpy.available

/** Suffix for test names that need numpy, so a skipped run says why. */
export const numpyNote = numpy.note

/** Runs a Python script with numpy and parses the JSON it prints on stdout. */
export const runPython = (script: string, args: string[] = []): unknown => numpy.json(script, args)
