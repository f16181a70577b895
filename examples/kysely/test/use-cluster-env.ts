import { inject } from 'vitest'

// Each test worker connects the way the example program does: settings and AWS credentials from
// process.env. With dsql-local, its endpoint, CA file and local credentials go there first.
Object.assign(process.env, inject('clusterEnv'))
