import type pg from 'pg'

/** A row of the `owner` table. */
export interface Owner {
  readonly id: string
  readonly name: string
  readonly city: string
  readonly telephone: string | null
}

/** The fields of a new owner; the database assigns `id`. */
export type NewOwner = Omit<Owner, 'id'>

/** A pool or a connection: the queries below run on either. */
type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>

/**
 * Creates the `owner` table unless it exists. DDL runs on its own, outside any transaction that
 * writes rows: Aurora DSQL allows one DDL statement per transaction and no DDL beside DML.
 * `gen_random_uuid()` keys spread writes evenly; DSQL has no SERIAL.
 */
export async function createOwnerTable(db: Queryable): Promise<void> {
  await db.query(`create table if not exists owner (
    id uuid primary key default gen_random_uuid(),
    name varchar(30) not null,
    city varchar(80) not null,
    telephone varchar(20)
  )`)
}

/** Inserts owners and returns them as stored, in the order given. */
export async function insertOwners(db: Queryable, owners: readonly NewOwner[]): Promise<Owner[]> {
  const inserted: Owner[] = []
  for (const { name, city, telephone } of owners) {
    const { rows } = await db.query<Owner>(
      'insert into owner (name, city, telephone) values ($1, $2, $3) returning id, name, city, telephone',
      [name, city, telephone],
    )
    inserted.push(...rows)
  }
  return inserted
}

/** The owners with the given ids, ordered by name. */
export async function findOwners(db: Queryable, ids: readonly string[]): Promise<Owner[]> {
  const { rows } = await db.query<Owner>(
    'select id, name, city, telephone from owner where id = any($1::uuid[]) order by name',
    [ids],
  )
  return rows
}

/** Moves an owner to another city; returns the updated row, or `undefined` if there is none. */
export async function updateCity(
  db: Queryable,
  id: string,
  city: string,
): Promise<Owner | undefined> {
  const { rows } = await db.query<Owner>(
    'update owner set city = $2 where id = $1 returning id, name, city, telephone',
    [id, city],
  )
  return rows[0]
}

/** Deletes the owners with the given ids; returns how many rows went. */
export async function deleteOwners(db: Queryable, ids: readonly string[]): Promise<number> {
  const { rowCount } = await db.query('delete from owner where id = any($1::uuid[])', [ids])
  return rowCount ?? 0
}
