/**
 * One `##` section of `results.md`: a title, a sentence on what was measured and, when the run has
 * rows for it, the tables. A section without rows says it was not measured, rather than vanish, so
 * that a quick run or a cluster run that skipped baselines reads as such.
 *
 * @example
 * ```ts
 * reportSection('Footprint', 'One process per driver...', rows.length > 0 ? table : undefined)
 * ```
 */
export function reportSection(title: string, intro: string, body: string | undefined): string {
  return [`## ${title}`, intro, body ?? NOT_MEASURED].join('\n\n')
}

/**
 * What a section, a table or a block without rows says.
 *
 * @example
 * ```ts
 * rows.length > 0 ? table : NOT_MEASURED
 * ```
 */
export const NOT_MEASURED = '_Not measured in this run._'
