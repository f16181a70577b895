import { dsqlRule } from '../sql/dsql-rules.ts'

const dropPrimaryKeyColumn = dsqlRule('drop-primary-key-column')

/**
 * Idempotent setup SQL for DDL that DSQL refuses depending on the catalog, which the relay cannot
 * see: `sys.drop_columns_checked(key, ddl, table, columns)` is what the relay calls (as `CALL`, so no row
 * comes back; the command tag is put right by the relay) in place of an `ALTER TABLE ... DROP COLUMN`.
 * It refuses to drop a primary-key column, with DSQL's text, and otherwise runs the statement as the
 * calling role.
 */
export const checkedDdlSql = `
CREATE OR REPLACE PROCEDURE sys.drop_columns_checked(key text, ddl text, table_name text, columns text[])
LANGUAGE plpgsql
AS $fn$
DECLARE
  dropped text;
BEGIN
  PERFORM sys.check_internal_key(key);
  FOREACH dropped IN ARRAY columns LOOP
    IF EXISTS (
      SELECT 1 FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = pg_catalog.to_regclass(table_name) AND i.indisprimary AND a.attname = dropped
    ) THEN
      RAISE EXCEPTION '${dropPrimaryKeyColumn.message.replace('{}', '%')}', dropped
        USING ERRCODE = '${dropPrimaryKeyColumn.code}';
    END IF;
  END LOOP;
  EXECUTE ddl;
END
$fn$;
`
