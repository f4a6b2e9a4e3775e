import { describe, expect, it } from 'vitest'
import { scoringSummary, thresholdSource, type ViewerScoring } from '../src/wire.js'

const scoring: ViewerScoring = {
  mode: 'cosine', threshold: 0.7, temperature: 0.1, negatives: [], queries: ['blue'],
  thresholdFrom: 'run', modeFrom: 'run', querier: { mode: 'cosine', threshold: 0.7 },
}

describe('where the page says the threshold comes from', () => {
  it('the run querier\'s own threshold is "the run\'s"', () => {
    expect(thresholdSource(scoring)).toBe("the run's")
    expect(scoringSummary(scoring)).toBe("the run's querier: cosine, threshold 0.7")
  })
  it('a plaf view --threshold is named by its flag, and the run querier\'s own stays stated', () => {
    const flagged = { ...scoring, threshold: 0.3, thresholdFrom: '--threshold 0.3' }
    expect(thresholdSource(flagged)).toBe('--threshold 0.3')
    expect(scoringSummary(flagged)).toBe("the run's querier: cosine, threshold 0.7; this view starts from --threshold 0.3")
    expect(scoringSummary({ ...flagged, mode: 'softmax', modeFrom: '--mode softmax' })).toBe("the run's querier: cosine, threshold 0.7; this view starts from --mode softmax --threshold 0.3")
  })
})
