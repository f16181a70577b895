/**
 * `pnpm demo`: runs the three driver examples one after another against one cluster and prints a
 * per-driver summary. The cluster is a local Aurora DSQL stand-in (dsql-local) started here, unless
 * CLUSTER_ENDPOINT names a real cluster (then AWS credentials come from the usual places).
 * The stand-in is stopped on every exit: success, failure or Ctrl-C. Exit code 0 only when every
 * example passed.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { type DsqlLocalCluster, startDsqlLocal } from 'dsql-local'

interface Outcome {
  readonly driver: string
  readonly role: string
  readonly ok: boolean
  readonly steps: number
  readonly connectMs: number | undefined
  readonly totalMs: number
}

const EXAMPLES = [
  { driver: 'pg', dir: 'examples/pg' },
  { driver: 'postgres.js', dir: 'examples/postgres-js' },
  { driver: 'Kysely', dir: 'examples/kysely' },
] as const

const NON_ADMIN_ROLE = 'example'
const root = join(import.meta.dirname, '..')
const children = new Set<ReturnType<typeof spawn>>()
let cluster: DsqlLocalCluster | undefined
let interrupted = false

process.once('SIGINT', () => void shutdown('interrupted', 130))
process.once('SIGTERM', () => void shutdown('terminated', 143))

async function shutdown(reason: string, code: number): Promise<never> {
  interrupted = true
  console.log(`\ndemo: ${reason}; stopping`)
  for (const child of children) child.kill('SIGTERM')
  await cluster?.stop()
  process.exit(code)
}

/** Shows `label …` with the seconds ticking until `work` settles. */
async function withProgress<T>(label: string, work: Promise<T>): Promise<T> {
  const started = performance.now()
  const tty = process.stdout.isTTY
  const draw = () =>
    process.stdout.write(`\r${label} ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const timer = tty ? setInterval(draw, 100) : undefined
  if (!tty) process.stdout.write(`${label}`)
  try {
    const result = await work
    if (tty) draw()
    process.stdout.write(
      tty ? ' ✓\n' : ` done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    )
    return result
  } catch (error) {
    process.stdout.write(' ✗\n')
    throw error
  } finally {
    clearInterval(timer)
  }
}

/**
 * Runs one program of an example (`node src/<script>` in its folder), echoing its output, and reads
 * the summary line that the main program prints last.
 */
function runProgram(
  driver: string,
  role: string,
  dir: string,
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<Outcome> {
  const started = performance.now()
  const child = spawn(process.execPath, [`src/${script}`], {
    cwd: join(root, dir),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let steps = 0
  let connectMs: number | undefined
  const echo = (stream: NodeJS.ReadableStream, write: (line: string) => void) =>
    createInterface({ input: stream }).on('line', (line) => {
      const summary = /^summary: (\d+) steps passed, connect (\d+) ms/.exec(line)
      if (summary) {
        steps = Number(summary[1])
        connectMs = Number(summary[2])
      }
      write(`  ${line}`)
    })
  echo(child.stdout, (line) => console.log(line))
  echo(child.stderr, (line) => console.error(line))
  return new Promise((resolve) => {
    child.on('close', (code) => {
      children.delete(child)
      const ok = code === 0 && (script !== 'main.ts' || steps > 0)
      resolve({ driver, role, ok, steps, connectMs, totalMs: performance.now() - started })
    })
  })
}

function printSummary(outcomes: readonly Outcome[]): void {
  const rows = outcomes.map((o) => [
    o.driver,
    o.role,
    o.ok ? 'passed' : 'FAILED',
    String(o.steps),
    o.connectMs === undefined ? '-' : `${o.connectMs} ms`,
    `${(o.totalMs / 1000).toFixed(2)} s`,
  ])
  const header = ['driver', 'role', 'result', 'steps', 'connect', 'total']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  console.log(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}`)
  for (const row of rows) console.log(line(row))
}

async function main(): Promise<number> {
  let env: NodeJS.ProcessEnv = { ...process.env }
  if (process.env.CLUSTER_ENDPOINT) {
    console.log(`demo: using the cluster at ${process.env.CLUSTER_ENDPOINT}`)
  } else {
    cluster = await withProgress(
      'demo: starting dsql-local (PostgreSQL 16 behind a TLS front that checks IAM tokens)…',
      startDsqlLocal(),
    )
    console.log(`demo: local cluster ${cluster.endpoint} on ${cluster.host}:${cluster.port}`)
    env = { ...env, ...cluster.env }
  }

  // The non-admin flow needs the IAM principal the credentials stand for: dsql-local's own, or
  // IAM_ROLE_ARN for a real cluster (skipped without it).
  const iamArn = cluster?.credentials.arn ?? process.env.IAM_ROLE_ARN
  const outcomes: Outcome[] = []
  for (const { driver, dir } of EXAMPLES) {
    if (interrupted) break
    console.log(`\n▶ ${driver} as admin (${dir})`)
    outcomes.push(await runProgram(driver, 'admin', dir, 'main.ts', env))
    if (iamArn === undefined || interrupted) continue
    console.log(`\n▶ ${driver} as ${NON_ADMIN_ROLE} in myschema`)
    const setup = await runProgram(driver, NON_ADMIN_ROLE, dir, 'setup-non-admin.ts', {
      ...env,
      NON_ADMIN_ROLE,
      IAM_ROLE_ARN: iamArn,
    })
    outcomes.push(
      setup.ok
        ? await runProgram(driver, NON_ADMIN_ROLE, dir, 'main.ts', {
            ...env,
            DB_USER: NON_ADMIN_ROLE,
          })
        : setup,
    )
  }
  if (interrupted) return 130 // shutdown() reports and exits
  printSummary(outcomes)
  const failed = outcomes.filter((o) => !o.ok).length
  console.log(failed === 0 ? '\nAll examples passed.' : `\n${failed} example(s) failed.`)
  return failed === 0 ? 0 : 1
}

let code = 1
try {
  code = await main()
} catch (error) {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await cluster?.stop()
}
process.exitCode = code
