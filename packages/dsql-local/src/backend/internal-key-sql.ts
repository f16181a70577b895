/**
 * Idempotent setup SQL that guards the stand-in's own functions in `sys` (the ones the relay calls
 * in place of `CREATE INDEX ASYNC`, `ALTER TABLE ASYNC` and `DROP COLUMN`, which run DDL as the
 * calling role): each takes a key first and calls `sys.check_internal_key(key)`, which compares it
 * with the one kept in `sys.internal_key`, a table no client role can read. A new key is made at
 * every start and known only to the relay, so a client calling those functions itself cannot get
 * past DSQL's rules.
 *
 * @example
 * ```ts
 * await pool.query(internalKeySql(randomBytes(18).toString('base64url')))
 * ```
 */
export function internalKeySql(key: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new Error('the internal key must be base64url')
  return `
CREATE TABLE IF NOT EXISTS sys.internal_key (key text NOT NULL);
REVOKE ALL ON sys.internal_key FROM PUBLIC;
DELETE FROM sys.internal_key;
INSERT INTO sys.internal_key (key) VALUES ('${key}');

CREATE OR REPLACE FUNCTION sys.check_internal_key(candidate text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF candidate IS NULL OR NOT EXISTS (SELECT 1 FROM sys.internal_key k WHERE k.key = candidate) THEN
    RAISE EXCEPTION 'permission denied: this function is for dsql-local''s relay only'
      USING ERRCODE = '42501';
  END IF;
END
$fn$;
`
}
