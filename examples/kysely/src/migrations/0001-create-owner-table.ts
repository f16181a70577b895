/**
 * The `owner` table. One DDL statement, as every migration here: Aurora DSQL runs each DDL
 * statement in a transaction of its own, and the migrator runs no transaction around a migration,
 * so a migration of one statement either happened or did not. `ifNotExists()` makes it safe to run
 * again when its DDL ran but its record in `kysely_migration` was not written.
 *
 * `gen_random_uuid()` keys spread writes evenly; DSQL has no SERIAL.
 */
import { type Kysely, sql } from 'kysely'

// Kysely<unknown>: a migration must not depend on the application's table types, which describe
// the schema after the last migration, not the one this step starts from.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('owner')
    .ifNotExists()
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'varchar(30)', (col) => col.notNull())
    .addColumn('city', 'varchar(80)', (col) => col.notNull())
    .addColumn('telephone', 'varchar(20)')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('owner').ifExists().execute()
}
