import type pg from 'pg'

/** One kind of round trip the benchmark repeats. */
export interface BenchWorkload {
  readonly id: 'select-1' | 'insert'
  /** For the report. */
  readonly label: string
  /** Run once per target on one client before any measurement (e.g. create the table). */
  prepare(client: pg.Client): Promise<void>
  /** One round trip; `n` counts the calls of this client. */
  run(client: pg.Client, n: number): Promise<unknown>
}

/** `select 1`: the smallest round trip, as a simple-protocol `Query` message. */
const select1: BenchWorkload = {
  id: 'select-1',
  label: 'select 1',
  prepare: async () => {},
  run: (client) => client.query('select 1'),
}

/**
 * One row, autocommit, parameters bound with the extended protocol (`Parse`/`Bind`/`Execute`/`Sync`),
 * into a table keyed by `gen_random_uuid()` as DSQL recommends. The table is made in its own
 * statement first, as DSQL requires for DDL.
 */
const insert: BenchWorkload = {
  id: 'insert',
  label: 'insert 1 row',
  prepare: async (client) => {
    await client.query('drop table if exists bench_item')
    await client.query(
      'create table bench_item (id uuid primary key default gen_random_uuid(), ' +
        'name text not null, quantity integer not null, created_at timestamptz not null default now())',
    )
  },
  run: (client, n) =>
    client.query('insert into bench_item (name, quantity) values ($1, $2)', [`item ${n}`, n]),
}

/** The workloads, in report order. */
export const benchWorkloads: readonly BenchWorkload[] = [select1, insert]
