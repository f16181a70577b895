// One cluster for the test run, from dsql-local's test harness: a local stand-in, or the real
// cluster that CLUSTER_ENDPOINT names (with IAM_ROLE_ARN for the non-admin test). A copy made with
// `pnpm create-app --no-local` holds the harness's real-cluster half here instead.
export { default } from 'dsql-local/vitest/global-setup'
