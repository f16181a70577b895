/**
 * Runs `work` with `env` applied over `process.env`, and puts every key it touched back as it was
 * afterwards (removed again if it was absent), even when `work` throws. The AWS SDK's default
 * credential chain reads `process.env` when it resolves, so code measured in this process sees the
 * target's credentials only this way. Not for concurrent use: the environment is process-wide.
 *
 * @example
 * ```ts
 * const token = await withEnv(target.env, () => signer.getDbConnectAdminAuthToken())
 * ```
 */
export async function withEnv<T>(
  env: Readonly<Record<string, string>>,
  work: () => Promise<T>,
): Promise<T> {
  const before = new Map(Object.keys(env).map((key) => [key, process.env[key]]))
  Object.assign(process.env, env)
  try {
    return await work()
  } finally {
    for (const [key, value] of before) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}
