export { type ProvideClusterOptions, provideCluster } from './provide-cluster.ts'
export { type Env, type ProvidingProject, provideRealCluster } from './real-cluster-setup.ts'
