import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { BenchRun } from './bench-results.ts'

const PACKAGES = [
  'pg',
  'postgres',
  'kysely',
  '@aws/aurora-dsql-node-postgres-connector',
  '@aws-sdk/dsql-signer',
  '@aws-sdk/credential-providers',
  'vega-lite',
] as const

/**
 * The installed versions of the measured libraries (read from their `package.json` files, as
 * postgres.js exports none), for the report.
 *
 * @example
 * ```ts
 * const versions = await installedVersions() // { pg: '8.23.1', postgres: '3.4.9', ... }
 * ```
 */
export async function installedVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {}
  for (const name of PACKAGES) {
    const file = join(import.meta.dirname, '..', 'node_modules', name, 'package.json')
    versions[name] = (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version
  }
  return versions
}

/** The machine the run measured on: CPU model and count, memory, operating system. */
export function machineInfo(): BenchRun['machine'] {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.platform()} ${os.release()}`,
  }
}

/**
 * The code that measured: the git commit of `repository`, and whether its work tree had changes
 * (a run recorded with changes does not belong to any commit). `unknown` outside a git checkout.
 *
 * @example
 * ```ts
 * const source = await sourceInfo(repositoryRoot) // { commit: '6559672...', dirty: false }
 * ```
 */
export async function sourceInfo(repository: string): Promise<BenchRun['source']> {
  const git = (...args: string[]) =>
    promisify(execFile)('git', ['-C', repository, ...args], { encoding: 'utf8' })
  try {
    const [{ stdout: commit }, { stdout: status }] = await Promise.all([
      git('rev-parse', 'HEAD'),
      git('status', '--porcelain', '--untracked-files=no'),
    ])
    return { commit: commit.trim(), dirty: status.trim() !== '' }
  } catch {
    return { commit: 'unknown', dirty: true }
  }
}
