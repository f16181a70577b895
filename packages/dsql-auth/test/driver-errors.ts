import { Readable } from 'node:stream'
import { Kysely, PostgresDialect, sql } from 'kysely'
import type { PoolClient } from 'pg'
import { type DatabaseError, parse } from 'pg-protocol'
import postgres from 'postgres'

/** A server error as the PostgreSQL protocol carries it: field code letter to value. */
export interface ServerError {
  readonly code: string
  readonly message: string
}

/**
 * The error `pg` raises: parsed by pg-protocol, the parser `pg` itself uses, from the bytes of a
 * real ErrorResponse message.
 */
export async function pgError({ code, message }: ServerError): Promise<DatabaseError> {
  const fields = [
    ['S', 'ERROR'],
    ['V', 'ERROR'],
    ['C', code],
    ['M', message],
  ]
  const body = Buffer.concat([
    ...fields.map(([k, v]) => Buffer.from(`${k}${v}\0`)),
    Buffer.from([0]),
  ])
  const header = Buffer.alloc(5)
  header.write('E', 0)
  header.writeInt32BE(body.length + 4, 1)
  let error: unknown
  await parse(Readable.from([Buffer.concat([header, body])]), (msg) => {
    error = msg
  })
  return error as DatabaseError
}

/** The error postgres.js raises: its own PostgresError class, built from the same fields it parses. */
export function postgresJsError({ code, message }: ServerError): Error {
  // The typings declare no constructor; at run time it takes the parsed field object.
  const PostgresError = postgres.PostgresError as unknown as new (fields: object) => Error
  return new PostgresError({ severity_local: 'ERROR', severity: 'ERROR', code, message })
}

/**
 * The error a Kysely transaction raises when its `pg` connection fails at COMMIT. The pool is a
 * stub (no server): every query succeeds except COMMIT, which fails with `failure`.
 */
export async function kyselyError(failure: Error): Promise<unknown> {
  const client = {
    query: async (text: string) => {
      if (/^commit/i.test(text)) throw failure
      return { command: 'SELECT', rowCount: 0, rows: [] }
    },
    release: () => {},
  }
  const db = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => client as unknown as PoolClient,
        end: async () => {},
        options: {},
      },
    }),
  })
  try {
    await db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx)
    })
  } catch (error) {
    return error
  } finally {
    await db.destroy()
  }
  throw new Error('the Kysely transaction did not fail')
}
