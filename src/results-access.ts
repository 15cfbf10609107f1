import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { allowWithWildcardResources } from './acknowledgements';
import { RESULTS_LAYOUT } from './runtime/contract';

/**
 * Access to the results bucket, one set of keys at a time. Every key lies below `runs/` and starts with the run's ID,
 * which is the execution's name and known only when a run starts: that `*` is the wildcard each grant needs, and
 * each grant acknowledges it for its own reason. Actions are named one by one, never as a prefix such as
 * `s3:GetObject*`, so that a role can do exactly what its code does.
 */

export interface RunFilesAccess {
  readonly bucket: s3.IBucket;
  readonly grantee: iam.IGrantable;
  /** Key patterns, each below `runs/`, such as `RESULTS_LAYOUT.summaryKey('*')`. */
  readonly keys: string[];
  /** Why the run-ID wildcard of these keys is acceptable for this principal, for the scanner acknowledgement. */
  readonly reason: string;
}

/**
 * Lets a principal create objects at these keys. `multipart` adds aborting a multipart upload, which tools that
 * upload large reports do when an upload fails; creating, uploading and completing parts is part of s3:PutObject.
 */
export function grantWriteRunFiles(access: RunFilesAccess & { readonly multipart?: boolean }): void {
  allowWithWildcardResources(access.grantee, new iam.PolicyStatement({
    actions: access.multipart ? ['s3:PutObject', 's3:AbortMultipartUpload'] : ['s3:PutObject'],
    resources: objectArns(access),
  }), access.reason);
  access.bucket.encryptionKey?.grant(access.grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
}

/**
 * Lets a principal read the objects at these keys. `list` adds listing keys below `runs/`, and nowhere else.
 * `bucketLocation` adds s3:GetBucketLocation, which ECS asks for before it reads an environment file.
 */
export function grantReadRunFiles(access: RunFilesAccess & { readonly list?: boolean; readonly bucketLocation?: boolean }): void {
  allowWithWildcardResources(access.grantee, new iam.PolicyStatement({
    actions: ['s3:GetObject'],
    resources: objectArns(access),
  }), access.reason);
  if (access.list) {
    access.grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [access.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': `${RESULTS_LAYOUT.runsPrefix}*` } },
    }));
  }
  if (access.bucketLocation) {
    access.grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetBucketLocation'],
      resources: [access.bucket.bucketArn],
    }));
  }
  access.bucket.encryptionKey?.grant(access.grantee, 'kms:Decrypt');
}

function objectArns(access: RunFilesAccess): string[] {
  return access.keys.map(key => {
    if (!key.startsWith(RESULTS_LAYOUT.runsPrefix)) {
      throw new Error(`Access to the results bucket is only ever below ${RESULTS_LAYOUT.runsPrefix}, not at ${key}.`);
    }
    return access.bucket.arnForObjects(key);
  });
}
