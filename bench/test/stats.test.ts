import { describe, expect, it } from 'vitest'
import { percentile, sorted, spread } from '../src/stats.ts'

describe('percentile', () => {
  it('takes the nearest rank of sorted values', () => {
    const values = sorted([5, 1, 4, 2, 3, 10, 9, 8, 7, 6])
    expect(percentile(values, 50)).toBe(5)
    expect(percentile(values, 95)).toBe(10)
    expect(percentile(values, 99)).toBe(10)
    expect(percentile(values, 10)).toBe(1)
    expect(percentile(values, 0)).toBe(1)
  })

  it('is NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN()
  })
})

describe('spread', () => {
  it('gives the median, lowest and highest of the repetitions, keeping their order', () => {
    expect(spread([5.123, 4.9, 5.3])).toEqual({
      median: 5.12,
      min: 4.9,
      max: 5.3,
      runs: [5.12, 4.9, 5.3],
    })
  })

  it('averages the two middle values of an even count', () => {
    expect(spread([1, 4, 2, 3], 1).median).toBe(2.5)
  })

  it('rounds to the digits asked for', () => {
    expect(spread([1234.56], 0)).toEqual({ median: 1235, min: 1235, max: 1235, runs: [1235] })
  })

  it('refuses no repetitions', () => {
    expect(() => spread([])).toThrow(RangeError)
  })
})
