import { parseArgs } from 'node:util'
import type { DsqlLocalOptions } from './dsql-local-options.ts'
import { DsqlLocalError } from './errors.ts'
import { parseInjectionSpec } from './occ/parse-injection-spec.ts'

/** `--help` of the `dsql-local` command: every option, with its default. */
export const cliHelp = `Usage: dsql-local [options]

Starts a local Aurora DSQL stand-in (PostgreSQL 16 behind a TLS front on 127.0.0.1 that
verifies real DSQL IAM tokens), prints the environment to export, and runs until Ctrl-C.

Options:
  --port <n>                        TCP port on 127.0.0.1 (default 0: a free port)
  --endpoint <host>                 cluster endpoint tokens are signed for and the certificate
                                    names (default: random <26 chars>.dsql.<region>.on.aws)
  --region <region>                 region tokens are signed for (default: from --endpoint,
                                    else us-east-1)
  --access-key-id <id>              access key of the local principal (default: generated)
  --secret-access-key <secret>      its secret (required with --access-key-id)
  --session-token <token>           its session token, for temporary credentials (optional)
  --arn <arn>                       the IAM ARN it stands for
                                    (default arn:aws:iam::000000000000:user/dsql-local)
  --data-dir <dir>                  keep PostgreSQL data here across restarts
                                    (default: a temporary directory, removed at exit)
  --backend-url <url>               use an existing PostgreSQL (superuser URL) instead of the
                                    embedded one, e.g. postgres://postgres:pw@127.0.0.1:5432/postgres
  --ca-file <path>                  where to write the CA certificate (default: in the temp dir)
  --max-connection-duration-ms <n>  close sessions after this long (default 3600000 = 60 min)
  --connection-rate <n>             new connections per second (default 100)
  --connection-burst <n>            new connections at once (default 1000)
  --max-connections <n>             open connections (default 10000)
  --backend-max-connections <n>     max_connections of the embedded PostgreSQL (default 300)
  --latency-ms <n>                  added to every network round trip (default 0)
  --clock-skew-ms <n>               how far in the future a token may be dated (default 300000)
  --sql-dialect <dsql|postgres>     dsql (default): DSQL's SQL rules; postgres: no SQL checks
  --relax <rule,...>                switch single SQL rules off, e.g. --relax truncate
  --transaction-row-limit <n>       rows one transaction may modify (default 3000)
  --transaction-size-limit <bytes>  bytes of changes one transaction may commit (default 10485760)
  --transaction-age-limit-ms <n>    age at which a transaction fails (default 300000)
  --max-message-bytes <n>           largest client protocol message (default 10485760)
  --inject-conflicts <spec>         fail COMMITs with 40001 for testing retries, e.g. 2 (the
                                    next two), 1:OC001, 3:role=example, 1:session=<id>; may be
                                    repeated; type "inject <spec>" on stdin to add more later
  --quiet                           do not log refusals (errors and lifecycle still)
  -h, --help                        show this help

Environment printed on stdout (eval "$(dsql-local ...)" does not work: it runs in the foreground;
copy the lines into another shell): CLUSTER_ENDPOINT, REGION, AWS_REGION, DB_HOST, DB_PORT,
DB_SSL_ROOT_CERT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
`

/** What the command line asks for. */
export interface CliRequest {
  readonly help: boolean
  readonly quiet: boolean
  readonly options: DsqlLocalOptions
}

const numeric = {
  port: 'port',
  'max-connection-duration-ms': 'maxConnectionDurationMs',
  'connection-rate': 'connectionRatePerSecond',
  'connection-burst': 'connectionBurst',
  'max-connections': 'maxConnections',
  'backend-max-connections': 'backendMaxConnections',
  'latency-ms': 'latencyMs',
  'clock-skew-ms': 'clockSkewMs',
  'transaction-row-limit': 'transactionRowLimit',
  'transaction-size-limit': 'transactionSizeLimitBytes',
  'transaction-age-limit-ms': 'transactionAgeLimitMs',
  'max-message-bytes': 'maxMessageBytes',
} as const

/**
 * Parses the `dsql-local` command line into {@link DsqlLocalOptions}; throws
 * {@link DsqlLocalError} `INVALID_OPTIONS` on an unknown option or a bad value.
 *
 * @example
 * ```ts
 * const { options } = parseCliArgs(['--port', '5432', '--latency-ms', '20'])
 * ```
 */
export function parseCliArgs(args: readonly string[]): CliRequest {
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        quiet: { type: 'boolean' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        'access-key-id': { type: 'string' },
        'secret-access-key': { type: 'string' },
        'session-token': { type: 'string' },
        arn: { type: 'string' },
        'data-dir': { type: 'string' },
        'backend-url': { type: 'string' },
        'ca-file': { type: 'string' },
        'sql-dialect': { type: 'string' },
        relax: { type: 'string' },
        'inject-conflicts': { type: 'string', multiple: true },
        ...Object.fromEntries(
          Object.keys(numeric).map((name) => [name, { type: 'string' as const }]),
        ),
      },
    }).values
  } catch (error) {
    throw new DsqlLocalError('INVALID_OPTIONS', `${(error as Error).message} (see --help)`, {
      cause: error,
    })
  }
  const text = (name: string) => {
    const value = values[name]
    return typeof value === 'string' ? value : undefined
  }
  const options: Record<string, unknown> = {
    endpoint: text('endpoint'),
    region: text('region'),
    dataDir: text('data-dir'),
    backendUrl: text('backend-url'),
    caFile: text('ca-file'),
    sqlDialect: text('sql-dialect'),
    relaxRules: text('relax')
      ?.split(',')
      .map((id) => id.trim())
      .filter((id) => id !== ''),
  }
  for (const [flag, key] of Object.entries(numeric)) {
    const value = text(flag)
    if (value === undefined) continue
    if (!/^\d+(\.\d+)?$/.test(value)) {
      throw new DsqlLocalError('INVALID_OPTIONS', `--${flag} must be a number, got "${value}"`)
    }
    options[key] = Number(value)
  }
  const accessKeyId = text('access-key-id')
  const secretAccessKey = text('secret-access-key')
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new DsqlLocalError(
      'INVALID_OPTIONS',
      '--access-key-id and --secret-access-key go together',
    )
  }
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const sessionToken = text('session-token')
    options.credentials = [
      {
        accessKeyId,
        secretAccessKey,
        arn: text('arn') ?? 'arn:aws:iam::000000000000:user/dsql-local',
        ...(sessionToken === undefined ? {} : { sessionToken }),
      },
    ]
  } else if (text('arn') !== undefined || text('session-token') !== undefined) {
    throw new DsqlLocalError('INVALID_OPTIONS', '--arn and --session-token need --access-key-id')
  }
  const injections = values['inject-conflicts']
  if (Array.isArray(injections)) options.injectConflicts = injections.map(parseInjectionSpec)
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key]
  return {
    help: values.help === true,
    quiet: values.quiet === true,
    options: options as DsqlLocalOptions,
  }
}
