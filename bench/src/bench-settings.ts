/** How much of each workload one run does: fixed counts, so that two runs are comparable. */
export interface BenchSettings {
  /** Each workload is measured this many times; reports give the median and the spread. */
  readonly repetitions: number
  /** Emulated extra round-trip times the connect workload runs at (stand-in only). */
  readonly latenciesMs: readonly number[]
  /** New connections opened (and discarded) before each connect measurement. */
  readonly connectWarmUp: number
  /** New connections per connect repetition. */
  readonly connectSamples: number
  /** Token acquisitions per token repetition. */
  readonly tokenSamples: number
  /** Callers in flight through one pool. */
  readonly concurrencies: readonly number[]
  /** Closed-loop warm-up before each query measurement, in ms. */
  readonly queryWarmUpMs: number
  /** Length of one query repetition, in ms. */
  readonly queryRunMs: number
  /** Rows the point select picks from. */
  readonly seedRows: number
  /** Contention: workers, rows they share, and how long one repetition runs (ms). */
  readonly contention: { readonly workers: number; readonly rows: number; readonly runMs: number }
  /** Processes started per driver for cold start and peak memory. */
  readonly footprintProcesses: number
  /** Queries each footprint process runs through its pool before reporting its peak RSS. */
  readonly footprintQueries: number
}

/** A full run (about ten minutes on two cores): what `docs/` is rendered from. */
export const FULL_SETTINGS: BenchSettings = Object.freeze({
  repetitions: 3,
  latenciesMs: Object.freeze([0, 5]),
  connectWarmUp: 5,
  connectSamples: 40,
  tokenSamples: 2_000,
  concurrencies: Object.freeze([1, 10, 50]),
  queryWarmUpMs: 500,
  queryRunMs: 3_000,
  seedRows: 1_000,
  contention: Object.freeze({ workers: 8, rows: 4, runMs: 3_000 }),
  footprintProcesses: 3,
  footprintQueries: 5_000,
})

/** `--quick`: every workload once and short (under a minute): a smoke run, not a measurement. */
export const QUICK_SETTINGS: BenchSettings = Object.freeze({
  repetitions: 1,
  latenciesMs: Object.freeze([0, 5]),
  connectWarmUp: 1,
  connectSamples: 5,
  tokenSamples: 200,
  concurrencies: Object.freeze([1, 10, 50]),
  queryWarmUpMs: 50,
  queryRunMs: 250,
  seedRows: 200,
  contention: Object.freeze({ workers: 8, rows: 4, runMs: 500 }),
  footprintProcesses: 1,
  footprintQueries: 500,
})
