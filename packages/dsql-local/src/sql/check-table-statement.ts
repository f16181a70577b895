import { constraints, constValue, defElems } from './ast-nodes.ts'
import type { RuleHit } from './check-statement.ts'
import { checkColumnType, typeBaseName, typeDisplayName } from './column-types.ts'
import type { AstNode } from './parse-sql.ts'

// The rules of DSQL's tables, sequences and domains, for `check-statement.ts`.

/** `CREATE TABLE`: persistence, column types, identity columns. */
export function createTableHit(node: AstNode): RuleHit | undefined {
  const relation = node.relation as AstNode | undefined
  if (relation?.relpersistence === 't') return { rule: 'temporary-table' }
  if (relation?.relpersistence === 'u') return { rule: 'unlogged-table' }
  for (const element of (node.tableElts as AstNode[] | undefined) ?? []) {
    const column = element.ColumnDef as AstNode | undefined
    if (column === undefined) continue
    const hit = typeHit(column.typeName as AstNode | undefined) ?? identityHit(column)
    if (hit) return hit
  }
  return undefined
}

/** A column's or domain's type against DSQL's type rules. */
export function typeHit(typeName: AstNode | undefined): RuleHit | undefined {
  const verdict = checkColumnType(typeName)
  return verdict.ok ? undefined : { rule: verdict.rule, name: verdict.name }
}

function identityHit(column: AstNode): RuleHit | undefined {
  for (const constraint of constraints(column)) {
    // Columns of CREATE TABLE ... OF / PARTITION OF carry no type of their own.
    const typeName = column.typeName as AstNode | undefined
    if (constraint.contype !== 'CONSTR_IDENTITY' || typeName === undefined) continue
    if (!['int8', 'bigint'].includes(typeBaseName(typeName))) {
      return { rule: 'identity-type', name: typeDisplayName(typeName) }
    }
    if (!cacheAllowed(constraint.options)) return { rule: 'identity-cache' }
  }
  return undefined
}

/** DSQL's sequence rule: an explicit `CACHE` of 1 or at least 65,536. */
export function cacheAllowed(options: unknown): boolean {
  const cache = defElems(options).find((option) => option.defname === 'cache')
  if (cache === undefined) return false
  const value = Number(constValue(cache.arg))
  return value === 1 || value >= 65536
}

/** `ALTER TABLE`: which subcommands DSQL takes; `async` for `ALTER TABLE ASYNC`. */
export function alterTableHit(node: AstNode, async: boolean): RuleHit | undefined {
  if (node.objtype === 'OBJECT_TYPE') return { rule: 'alter-type' }
  for (const wrapped of (node.cmds as AstNode[] | undefined) ?? []) {
    const cmd = (wrapped.AlterTableCmd ?? {}) as AstNode
    const def = cmd.def as AstNode | undefined
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const column = (def?.ColumnDef ?? {}) as AstNode
        const hit = typeHit(column.typeName as AstNode | undefined)
        if (hit) return hit
        if (constraints(column).length > 0 || column.raw_default !== undefined) {
          return { rule: 'alter-add-column' }
        }
        break
      }
      case 'AT_AlterColumnType':
        return { rule: 'alter-column-type' }
      case 'AT_AddConstraint': {
        const constraint = (def?.Constraint ?? {}) as AstNode
        const checkable = ['CONSTR_FOREIGN', 'CONSTR_CHECK'].includes(String(constraint.contype))
        if (!checkable || !constraint.skip_validation) return { rule: 'alter-add-constraint' }
        break
      }
      case 'AT_ValidateConstraint':
        if (!async) return { rule: 'alter-validate-constraint' }
        break
      default:
        break
    }
  }
  return undefined
}
