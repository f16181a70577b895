import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findTlsOff } from './find-tls-off.ts'

const PACKAGE = join(import.meta.dirname, '..')
const REPOSITORY = join(PACKAGE, '..', '..')

/** The TypeScript files under `dir`, recursively; none when it does not exist. */
function sources(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file))
}

describe('findTlsOff catches each way of turning verification off (fixtures)', () => {
  it.each([
    ['ssl: false', 'new pg.Pool({ host, ssl: false })'],
    ['ssl: 0', 'postgres({ host, ssl: 0 })'],
    ['a quoted ssl key', '{ "ssl": false }'],
    ['a computed ssl key', "{ ['ssl']: null }"],
    ['an ssl assignment', 'options.ssl = false'],
    ['an ssl mode that does not verify', "postgres({ host, ssl: 'require' })"],
    [
      'ssl=false in a URL',
      "new pg.Pool({ connectionString: 'postgres://db.example.com/postgres?ssl=false' })",
    ],
    [
      'sslmode=disable in a URL',
      "const url = 'postgres://admin@host:5432/postgres?sslmode=disable'",
    ],
    [
      'sslmode=no-verify in a URL',
      'const url = `postgres://db.example.com/postgres?sslmode=no-verify`',
    ],
    ['an sslmode option', "{ sslmode: 'require' }"],
    ['rejectUnauthorized: false', '{ ssl: { rejectUnauthorized: false } }'],
    ['rejectUnauthorized:false, no space', '{ ssl: { ca, rejectUnauthorized:false } }'],
    ['a single-quoted key', "{ 'rejectUnauthorized': false }"],
    ['a double-quoted key and 0', '{ "rejectUnauthorized" : 0 }'],
    ['a computed key and !1', "{ ['rejectUnauthorized']: !1 }"],
    ['another case', '{ RejectUnauthorized: false }'],
    ['a value over two lines', '{\n  rejectUnauthorized:\n    false,\n}'],
    ['a comment between key and value', '{ rejectUnauthorized: /* for now */ false }'],
    ['an assignment', 'settings.ssl.rejectUnauthorized = false'],
    ['a computed assignment', "options.ssl['rejectUnauthorized'] = false"],
    ['a value decided at run time', "{ rejectUnauthorized: process.env.STRICT === 'yes' }"],
    ['a shorthand property', 'const ssl = { ...base, rejectUnauthorized }'],
    ['NODE_TLS_REJECT_UNAUTHORIZED', "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'"],
    ['checkServerIdentity', '{ ssl: { ...tls.ssl, checkServerIdentity: () => undefined } }'],
    ['a spread after dsqlTls', 'new pg.Pool({ host, ...dsqlTls(config), max: 10, ...overrides })'],
    ['a spread right after dsqlTls', 'postgres({ ...dsqlTls(config), ...options })'],
    ['an ssl key after dsqlTls', 'new pg.Pool({ ...dsqlTls(config), ssl: { ca } })'],
    ['an ssl shorthand after dsqlTls', 'new pg.Pool({ ...dsqlTls(config), ssl })'],
    [
      'a spread after a variable holding dsqlTls',
      'const tls = dsqlTls(config)\nnew pg.Pool({ host, ...tls, ...rest })',
    ],
    ['a spread after the ssl of dsqlTls', '{ ssl: { ...dsqlTls(config).ssl, ...mine } }'],
    ['Object.assign after dsqlTls', 'Object.assign({}, dsqlTls(config), options)'],
  ])('%s', (_name, fixture) => {
    expect(findTlsOff(fixture)).not.toEqual([])
  })

  it('names the line of each finding', () => {
    expect(findTlsOff('const a = 1\n\nconst b = { ssl: false }')).toEqual([
      '3: ssl set to a value that does not verify',
    ])
  })
})

describe('findTlsOff leaves verified settings alone (fixtures)', () => {
  it.each([
    [
      'the templates’ pool options',
      'new pg.Pool({\n  host: config.host,\n  password,\n  ...dsqlTls(config),\n  max: 10,\n  onConnect: undefined,\n})',
    ],
    ['a spread before dsqlTls, which wins', 'postgres({ ...defaults, ...dsqlTls(config) })'],
    ['rejectUnauthorized: true', '{ rejectUnauthorized: true, minVersion: "TLSv1.2" }'],
    ['a type that says true', 'interface O { readonly rejectUnauthorized: true }'],
    ['a mode that verifies', "postgres({ ssl: 'verify-full' })"],
    ['sslmode=verify-full', "const url = 'postgres://h/postgres?sslmode=verify-full'"],
    ['an sslmode option that verifies', "{ sslmode: 'verify-full' }"],
    ['other ssl* names', "{ sslnegotiation: 'direct', sslRootCert: undefined }"],
    ['a URL, whose // is not a comment', "const url = 'postgres://admin@db.example.com/postgres'"],
    ['a comment about it', '// never write rejectUnauthorized: false or ssl: false\nconst a = 1'],
    ['a comparison', 'if (options.ssl == false) throw new Error()'],
    [
      'the ssl of dsqlTls handed to node:tls with other options after it',
      "connect({ host, port, ...dsqlTls(config).ssl, ALPNProtocols: ['postgresql'] })",
    ],
    [
      'a spread in another object than the one dsqlTls goes into',
      'const pool = new pg.Pool({ ...dsqlTls(config) })\nconst retry = Object.freeze({ ...options })',
    ],
  ])('%s', (_name, fixture) => {
    expect(findTlsOff(fixture)).toEqual([])
  })
})

describe('no source file turns TLS verification off', () => {
  // This package's own source, and next to it the code that hands its settings to drivers: the
  // repository's examples or, in a copied template, the application's own `src`.
  const files = [
    ...sources(join(PACKAGE, 'src')),
    ...(existsSync(join(REPOSITORY, 'examples'))
      ? readdirSync(join(REPOSITORY, 'examples')).flatMap((example) =>
          sources(join(REPOSITORY, 'examples', example, 'src')),
        )
      : []),
    ...sources(join(REPOSITORY, 'src')),
  ]

  it('finds the files it checks', () => {
    expect(files.some((file) => file.endsWith(join('src', 'dsql-tls.ts')))).toBe(true)
  })

  it.each(files.map((file) => [relative(REPOSITORY, file), file]))('%s', (_name, file) => {
    expect(findTlsOff(readFileSync(file, 'utf8'))).toEqual([])
  })
})
