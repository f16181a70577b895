import type { Generated, Insertable, Selectable } from 'kysely'

/** The `owner` table as Kysely sees it: `id` is assigned by the database. */
export interface OwnerTable {
  id: Generated<string>
  name: string
  city: string
  telephone: string | null
}

/** A row of `owner` as queries return it. */
export type Owner = Selectable<OwnerTable>

/** The fields of a new owner. */
export type NewOwner = Insertable<OwnerTable>

/** The tables the example uses: Kysely checks every query against these types. */
export interface Database {
  owner: OwnerTable
}
