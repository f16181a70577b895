import type { AstNode } from './parse-sql.ts'

/** How DSQL names a built-in type in its messages (PostgreSQL's `format_type` names). */
const displayNames: Readonly<Record<string, string>> = {
  int2: 'smallint',
  int4: 'integer',
  int: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  varchar: 'character varying',
  bpchar: 'character',
  varbit: 'bit varying',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
  char: '"char"',
}

/**
 * DSQL's allow-list, as the parser names the types it rewrites to `pg_catalog.*` (`integer` →
 * `pg_catalog.int4`, `varchar(n)` → `pg_catalog.varchar`, ...). Any other `pg_catalog` type is refused.
 */
const allowedCatalogTypes: ReadonlySet<string> = new Set([
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'bpchar',
  'varchar',
  'text',
  'bytea',
  'bool',
  'date',
  'time',
  'timetz',
  'timestamp',
  'timestamptz',
  'interval',
  'uuid',
  'json',
  'jsonb',
])

/**
 * Types DSQL refuses as a column (or domain) type, written without a schema. Everything else PostgreSQL knows is either on
 * DSQL's allow-list (smallint ... jsonb, see dsql-facts.md) or a domain, which DSQL accepts; a type
 * that exists nowhere is left to PostgreSQL's own `type "..." does not exist`.
 */
const refusedTypes: ReadonlySet<string> = new Set([
  'money',
  'xml',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'tsvector',
  'tsquery',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'int4multirange',
  'int8multirange',
  'nummultirange',
  'tsmultirange',
  'tstzmultirange',
  'datemultirange',
  'bit',
  'varbit',
  'pg_lsn',
  'pg_snapshot',
  'txid_snapshot',
  'jsonpath',
  'oid',
  'refcursor',
  'int2vector',
  'oidvector',
  'aclitem',
  'pg_node_tree',
  'regclass',
  'regtype',
  'regproc',
  'regprocedure',
  'regoper',
  'regoperator',
  'regnamespace',
  'regrole',
  'regconfig',
  'regdictionary',
  'regcollation',
  'name',
  'char',
  'xid8',
  'xid',
  'cid',
  'tid',
])

/** PostgreSQL's `serial` pseudo-types, which DSQL does not have. */
const serialTypes: ReadonlySet<string> = new Set([
  'serial',
  'serial2',
  'serial4',
  'serial8',
  'smallserial',
  'bigserial',
])

/** What DSQL says about a column type: nothing, or the rule and the name to show. */
export type TypeVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly rule: 'column-type' | 'serial'; readonly name: string }

/** The last part of a `TypeName`'s name, lower case (`pg_catalog.int4` → `int4`). */
export function typeBaseName(typeName: AstNode): string {
  const names = (typeName.names as { String?: { sval?: string } }[] | undefined) ?? []
  return (names.at(-1)?.String?.sval ?? '').toLowerCase()
}

/** DSQL's display name of a type, e.g. `integer[]`. */
export function typeDisplayName(typeName: AstNode): string {
  const base = typeBaseName(typeName)
  const array = Array.isArray(typeName.arrayBounds) ? '[]' : ''
  return `${displayNames[base] ?? base}${array}`
}

/**
 * Checks a column's or domain's type (a `TypeName` node) against DSQL's rules: no arrays, no
 * `serial`, no `pg_catalog` type outside the allow-list, nothing from the refused list (types
 * written without a schema; others may be domains, which DSQL accepts).
 *
 * @example
 * ```ts
 * checkColumnType(columnDef.typeName) // { ok: false, rule: 'column-type', name: 'money' }
 * ```
 */
export function checkColumnType(typeName: AstNode | undefined): TypeVerdict {
  if (typeName === undefined) return { ok: true }
  const base = typeBaseName(typeName)
  if (serialTypes.has(base)) return { ok: false, rule: 'serial', name: base }
  const names = (typeName.names as { String?: { sval?: string } }[] | undefined) ?? []
  const catalog = names.length === 2 && names[0]?.String?.sval === 'pg_catalog'
  if (
    Array.isArray(typeName.arrayBounds) ||
    refusedTypes.has(base) ||
    (catalog && !allowedCatalogTypes.has(base))
  ) {
    return { ok: false, rule: 'column-type', name: typeDisplayName(typeName) }
  }
  return { ok: true }
}
