import type postgres from 'postgres'

/** A row of the `owner` table. */
export interface Owner {
  readonly id: string
  readonly name: string
  readonly city: string
  readonly telephone: string | null
}

/** The fields of a new owner; the database assigns `id`. */
export type NewOwner = Omit<Owner, 'id'>

/** The client or a transaction: the queries below run on either. */
type Sql = postgres.Sql | postgres.TransactionSql

/**
 * Creates `<schema>.owner` unless it exists. DDL runs on its own, outside any transaction that
 * writes rows: Aurora DSQL allows one DDL statement per transaction and no DDL beside DML.
 * `gen_random_uuid()` keys spread writes evenly; DSQL has no SERIAL.
 */
export async function createOwnerTable(sql: Sql, schema: string): Promise<void> {
  await sql`create table if not exists ${sql(schema)}.owner (
    id uuid primary key default gen_random_uuid(),
    name varchar(30) not null,
    city varchar(80) not null,
    telephone varchar(20)
  )`
}

/** Inserts owners (one statement) and returns them as stored, in the order given. */
export async function insertOwners(
  sql: Sql,
  schema: string,
  owners: readonly NewOwner[],
): Promise<Owner[]> {
  const rows = await sql<Owner[]>`
    insert into ${sql(schema)}.owner ${sql(owners.map(({ name, city, telephone }) => ({ name, city, telephone })))}
    returning id, name, city, telephone`
  const byName = new Map(rows.map((row) => [row.name, row]))
  return owners.map((o) => byName.get(o.name) as Owner)
}

/** The owners with the given ids, ordered by name. */
export async function findOwners(
  sql: Sql,
  schema: string,
  ids: readonly string[],
): Promise<Owner[]> {
  // A plain array: postgres.js returns its own Array subclass with query metadata.
  return [
    ...(await sql<Owner[]>`
    select id, name, city, telephone from ${sql(schema)}.owner
    where id = any(${sql.array([...ids])}::uuid[]) order by name`),
  ]
}

/** Moves an owner to another city; returns the updated row, or `undefined` if there is none. */
export async function updateCity(
  sql: Sql,
  schema: string,
  id: string,
  city: string,
): Promise<Owner | undefined> {
  const [row] = await sql<Owner[]>`
    update ${sql(schema)}.owner set city = ${city} where id = ${id}
    returning id, name, city, telephone`
  return row
}

/** Deletes the owners with the given ids; returns how many rows went. */
export async function deleteOwners(
  sql: Sql,
  schema: string,
  ids: readonly string[],
): Promise<number> {
  const result =
    await sql`delete from ${sql(schema)}.owner where id = any(${sql.array([...ids])}::uuid[])`
  return result.count
}
