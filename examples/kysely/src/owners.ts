import type { Kysely, Transaction } from 'kysely'
import type { Database, NewOwner, Owner } from './database.ts'

/** The database or a transaction: the queries below run on either. */
type Db = Kysely<Database> | Transaction<Database>

/** Inserts owners (one statement) and returns them as stored, in the order given. */
export async function insertOwners(db: Db, owners: readonly NewOwner[]): Promise<Owner[]> {
  const rows = await db
    .insertInto('owner')
    .values([...owners])
    .returningAll()
    .execute()
  const byName = new Map(rows.map((row) => [row.name, row]))
  return owners.map((o) => byName.get(o.name) as Owner)
}

/** The owners with the given ids, ordered by name. */
export function findOwners(db: Db, ids: readonly string[]): Promise<Owner[]> {
  return db
    .selectFrom('owner')
    .selectAll()
    .where('id', 'in', [...ids])
    .orderBy('name')
    .execute()
}

/** Moves an owner to another city; returns the updated row, or `undefined` if there is none. */
export function updateCity(db: Db, id: string, city: string): Promise<Owner | undefined> {
  return db
    .updateTable('owner')
    .set({ city })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/** Deletes the owners with the given ids; returns how many rows went. */
export async function deleteOwners(db: Db, ids: readonly string[]): Promise<number> {
  const { numDeletedRows } = await db
    .deleteFrom('owner')
    .where('id', 'in', [...ids])
    .executeTakeFirstOrThrow()
  return Number(numDeletedRows)
}
