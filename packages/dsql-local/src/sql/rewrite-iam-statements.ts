/**
 * `AWS IAM GRANT <role> TO '<arn>'` and `AWS IAM REVOKE <role> FROM '<arn>'` at the start of a
 * statement (start of the text or after `;`). The role is a plain or a double-quoted identifier.
 */
const iamStatement =
  /(^|;)(\s*)AWS\s+IAM\s+(GRANT|REVOKE)\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s+(TO|FROM)\s+'((?:[^']|'')*)'(?=\s*(?:;|$))/gi

/**
 * Turns DSQL's `AWS IAM GRANT` / `AWS IAM REVOKE` statements into calls of the stand-in's
 * procedures `sys.aws_iam_grant(role, arn)` / `sys.aws_iam_revoke(role, arn)`. The backend then
 * runs them in order with the session's other statements, inside its transaction, and checks
 * that the session user is `admin`. Returns `undefined` when the text has no such statement.
 *
 * @example
 * ```ts
 * rewriteIamStatements(`AWS IAM GRANT app TO 'arn:aws:iam::111122223333:role/app'`)
 * // => `CALL sys.aws_iam_grant('app', 'arn:aws:iam::111122223333:role/app')`
 * ```
 */
export function rewriteIamStatements(sql: string): string | undefined {
  if (!/AWS\s+IAM/i.test(sql)) return undefined
  let changed = false
  const rewritten = sql.replace(
    iamStatement,
    (
      whole,
      start: string,
      space: string,
      verb: string,
      role: string,
      preposition: string,
      arn: string,
    ) => {
      const grant = verb.toUpperCase() === 'GRANT'
      if (preposition.toUpperCase() !== (grant ? 'TO' : 'FROM')) return whole
      changed = true
      const procedure = grant ? 'sys.aws_iam_grant' : 'sys.aws_iam_revoke'
      return `${start}${space}CALL ${procedure}(${quoteLiteral(roleName(role))}, '${arn}')`
    },
  )
  return changed ? rewritten : undefined
}

/** The role name an identifier denotes: quoted keeps case, plain folds to lower case. */
function roleName(identifier: string): string {
  return identifier.startsWith('"')
    ? identifier.slice(1, -1).replaceAll('""', '"')
    : identifier.toLowerCase()
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
