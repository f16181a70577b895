#!/usr/bin/env node
// The `dsql-local` command: starts the stand-in in the foreground, prints the environment to
// export, and stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
import { createInterface } from 'node:readline'
import { DsqlLocalError, startDsqlLocal } from '../src/index.ts'
import { injectionSpecForm, parseInjectionSpec } from '../src/occ/parse-injection-spec.ts'
import { cliHelp, parseCliArgs } from '../src/parse-cli-args.ts'

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`

try {
  const request = parseCliArgs(process.argv.slice(2))
  if (request.help) {
    process.stdout.write(cliHelp)
    process.exit(0)
  }
  const log = (message: string) => process.stderr.write(`dsql-local: ${message}\n`)
  const cluster = await startDsqlLocal({
    ...request.options,
    logger: { info: log, warn: request.quiet ? () => {} : log, error: log },
  })
  for (const [name, value] of Object.entries(cluster.env)) {
    process.stdout.write(`export ${name}=${shellQuote(value)}\n`)
  }
  log(
    `ready: connect to ${cluster.host}:${cluster.port} with TLS server name ${cluster.endpoint}; Ctrl-C stops`,
  )
  // Commands typed while it runs: `inject <spec>` queues conflicts for the next COMMITs. Not a
  // terminal interface, so Ctrl-C still reaches the signal handlers below.
  createInterface({ input: process.stdin, terminal: false }).on('line', (line) => {
    const [command, spec] = line.trim().split(/\s+/)
    if (command === undefined || command === '') return
    if (command !== 'inject' || spec === undefined) {
      log(`unknown command "${line.trim()}"; type: inject ${injectionSpecForm}`)
      return
    }
    try {
      cluster.injectConflicts(parseInjectionSpec(spec))
      log(`the next COMMITs will fail as asked: ${spec}`)
    } catch (error) {
      log(error instanceof Error ? error.message : String(error))
    }
  })
  let stopping = false
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log(`${signal}: stopping`)
    cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${String(error)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
} catch (error) {
  const message =
    error instanceof DsqlLocalError ? `${error.code}: ${error.message}` : String(error)
  process.stderr.write(`dsql-local: ${message}\n`)
  process.exit(2)
}
