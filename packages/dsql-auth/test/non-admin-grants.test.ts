import { describe, expect, it } from 'vitest'
import { DsqlConfigError, nonAdminGrants } from '../src/index.ts'

const ARN = 'arn:aws:iam::111122223333:role/app'

describe('nonAdminGrants', () => {
  it('returns the role, the IAM mapping, the schema and its privileges, one statement each', () => {
    expect(nonAdminGrants({ role: 'example', iamArn: ARN, schema: 'myschema' })).toEqual({
      createRole: 'create role example with login',
      grants: [
        "aws iam grant example to 'arn:aws:iam::111122223333:role/app'",
        'create schema if not exists myschema',
        'grant usage, create on schema myschema to example',
      ],
    })
  })

  it('accepts IAM users and other partitions', () => {
    for (const iamArn of [
      'arn:aws:iam::111122223333:user/ci',
      'arn:aws-us-gov:iam::111122223333:role/path/app',
    ]) {
      expect(nonAdminGrants({ role: 'example', iamArn, schema: 'myschema' }).grants[0]).toContain(
        iamArn,
      )
    }
  })

  it.each([
    [
      'a role that would need quoting',
      { role: 'Robert"); drop table owner; --', iamArn: ARN, schema: 'myschema' },
      ['NON_ADMIN_ROLE'],
    ],
    [
      'an ARN with a quote in it',
      { role: 'example', iamArn: "arn:aws:iam::111122223333:role/x'; drop", schema: 'myschema' },
      ['IAM_ROLE_ARN'],
    ],
    [
      'an ARN that is not an IAM principal',
      { role: 'example', iamArn: 'arn:aws:s3:::bucket', schema: 'myschema' },
      ['IAM_ROLE_ARN'],
    ],
    [
      'a bad schema and a bad role at once',
      { role: 'Admin', iamArn: ARN, schema: 'my schema' },
      ['NON_ADMIN_ROLE', 'schema'],
    ],
  ])('refuses %s, naming the option but not its value', (_name, options, variables) => {
    let error: unknown
    try {
      nonAdminGrants(options)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DsqlConfigError)
    expect((error as DsqlConfigError).problems.map((p) => p.variable)).toEqual(variables)
  })
})
