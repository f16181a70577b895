import type { AstNode } from './parse-sql.ts'

// Small readers of libpg-query's JSON parse tree, shared by the statement checks.

/** Calls `visit` for every key and value below `value`, depth first. */
export function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit)
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      visit(key, child)
      walk(child, visit)
    }
  }
}

/** The `DefElem` nodes of an options list. */
export function defElems(options: unknown): AstNode[] {
  return ((options as AstNode[] | undefined) ?? []).map((o) => (o.DefElem ?? {}) as AstNode)
}

/** The `Constraint` nodes of a column definition. */
export function constraints(column: AstNode): AstNode[] {
  return ((column.constraints as AstNode[] | undefined) ?? []).map(
    (c) => (c.Constraint ?? {}) as AstNode,
  )
}

/** The value of an `A_Const`, `Integer`, `Float` or `String` argument. */
export function constValue(arg: unknown): string | number | undefined {
  const node = arg as AstNode | undefined
  if (node === undefined) return undefined
  const inner = (node.A_Const ?? node) as AstNode
  const integer = (inner.Integer ?? inner.ival) as AstNode | undefined
  if (integer !== undefined) return Number(integer.ival ?? 0)
  const float = (inner.Float ?? inner.fval) as AstNode | undefined
  if (float !== undefined) return Number(float.fval)
  const string = (inner.String ?? inner.sval) as AstNode | undefined
  if (string !== undefined) return String(string.sval)
  return undefined
}
