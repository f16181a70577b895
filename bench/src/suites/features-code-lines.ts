/**
 * Lines of code in a TypeScript or JavaScript source: lines that hold something other than
 * whitespace once `//` comments and `/* ... *\/` blocks (doc comments included) are removed. A
 * line with code and a trailing comment counts; a comment marker inside a string or a template
 * literal (`'https://...'`) is text, not a comment. Regular-expression literals are read as code,
 * so one holding a quote, a backtick or a comment marker would mislead it (the templates' files
 * have none; the tests check this against TypeScript's own scanner).
 *
 * @example
 * ```ts
 * countCodeLines('/** Doc. *\/\nconst a = 1 // one\n\n// done\n') // 1
 * ```
 */
export function countCodeLines(source: string): number {
  return withoutComments(source)
    .split('\n')
    .filter((line) => line.trim() !== '').length
}

/** `source` with its comments removed and every line break kept, so lines keep their numbers. */
function withoutComments(source: string): string {
  let out = ''
  let i = 0
  // Brace depth in code, and the depths at which open `${` substitutions of templates close.
  let depth = 0
  const substitutions: number[] = []
  let inTemplate = false
  while (i < source.length) {
    const c = source[i] as string
    const next = source[i + 1]
    if (inTemplate) {
      if (c === '\\') {
        out += source.slice(i, i + 2)
        i += 2
      } else if (c === '`') {
        out += c
        i += 1
        inTemplate = false
      } else if (c === '$' && next === '{') {
        out += '${'
        i += 2
        substitutions.push(depth)
        inTemplate = false
      } else {
        out += c
        i += 1
      }
    } else if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i)
      i = end === -1 ? source.length : end
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      const stop = end === -1 ? source.length : end + 2
      out += source.slice(i, stop).replace(/[^\n]/g, '')
      i = stop
    } else if (c === "'" || c === '"') {
      let j = i + 1
      while (j < source.length && source[j] !== c && source[j] !== '\n') {
        j += source[j] === '\\' ? 2 : 1
      }
      out += source.slice(i, j + 1)
      i = j + 1
    } else if (c === '`') {
      out += c
      i += 1
      inTemplate = true
    } else {
      if (c === '{') depth += 1
      if (c === '}') {
        if (substitutions.at(-1) === depth) {
          substitutions.pop()
          inTemplate = true
        } else {
          depth -= 1
        }
      }
      out += c
      i += 1
    }
  }
  return out
}
