import { CompiledQuery, type CreateIndexBuilder, type QueryExecutorProvider, sql } from 'kysely'
import { MigrationError } from './migration-error.ts'

/** DSQL's job ids: 26 characters of lowercase base32. */
const JOB_ID = /^[a-z2-7]{26}$/

/**
 * Creates an index the way Aurora DSQL requires, `CREATE [UNIQUE] INDEX ASYNC`, and waits for the
 * build job it starts, so that the next migration step (or the application) can rely on the index.
 *
 * Kysely's builder has no `ASYNC`: build the index with it as usual (names, columns, `unique()`,
 * `where`, and the schema of `withSchema`), and this inserts the word after `INDEX`. DSQL answers
 * one row with the build's `job_id`; `CALL sys.wait_for_job(id)` returns when the job ends, and
 * `sys.jobs` tells whether it completed. Keep `ifNotExists()` on the builder so that the step can
 * run again after a failure.
 *
 * @returns The build job's id, or `undefined` when DSQL started none (the index existed).
 * @throws {MigrationError} `INDEX_BUILD_FAILED` when the job ended in any state but `completed`.
 * @example
 * ```ts
 * await createIndexAsync(db, db.schema.createIndex('owner_city_idx').ifNotExists().on('owner').column('city'))
 * ```
 */
export async function createIndexAsync<C extends string>(
  db: QueryExecutorProvider,
  index: CreateIndexBuilder<C>,
): Promise<string | undefined> {
  const compiled = index.compile()
  const text = compiled.sql.replace(/^create (unique )?index /, (words) => `${words}async `)
  if (text === compiled.sql) {
    throw new TypeError(`createIndexAsync: not a CREATE INDEX statement: ${compiled.sql}`)
  }
  const executor = db.getExecutor()
  const { rows } = await executor.executeQuery<{ job_id?: unknown }>(
    CompiledQuery.raw(text, [...compiled.parameters]),
  )
  const jobId = rows[0]?.job_id
  if (typeof jobId !== 'string') return undefined
  if (!JOB_ID.test(jobId)) throw new TypeError(`createIndexAsync: unexpected job id ${jobId}`)

  await sql`call sys.wait_for_job(${jobId})`.execute(db)
  const { rows: jobs } = await sql<{ status: string; details: string | null }>`
    select status, details from sys.jobs where job_id = ${jobId}`.execute(db)
  const [job] = jobs
  // A job no longer listed has been cleaned up after it ended; only a listed failure is one.
  if (job !== undefined && job.status !== 'completed') {
    throw new MigrationError(
      'INDEX_BUILD_FAILED',
      `index build job ${jobId} ended ${job.status}${job.details ? `: ${job.details}` : ''}`,
    )
  }
  return jobId
}
