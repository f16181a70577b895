/** A column of a Markdown table: its heading, and `right` for figures. */
export interface TableColumn {
  readonly heading: string
  readonly align?: 'left' | 'right'
}

/**
 * A GitHub-flavoured Markdown table. A `|` inside a cell is escaped, so a detail sentence cannot
 * break the table.
 *
 * @example
 * ```ts
 * markdownTable([{ heading: 'driver' }, { heading: 'p50', align: 'right' }], [['pg', '5.71 ms']])
 * // | driver | p50 |
 * // | --- | ---: |
 * // | pg | 5.71 ms |
 * ```
 */
export function markdownTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`
  const rule = `| ${columns.map((column) => (column.align === 'right' ? '---:' : '---')).join(' | ')} |`
  for (const row of rows) {
    if (row.length !== columns.length) {
      throw new RangeError(`a table row has ${row.length} cells for ${columns.length} columns`)
    }
  }
  return [line(columns.map((column) => column.heading)), rule, ...rows.map(line)].join('\n')
}
