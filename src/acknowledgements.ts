import { DefaultTokenResolver, IFragmentConcatenator, Tokenization, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Findings of policy scanners that the construct has reviewed and keeps, each recorded on the construct it concerns
 * with the reason it stands. cdk-nag, and any validation plugin that reads CDK's acknowledged-rules metadata, skips
 * them; every other finding still fails a scan. The README's security section lists them all.
 */

/** The AwsSolutions rule that flags wildcards in IAM policies: each wildcard action and resource is its own finding. */
export const IAM_WILDCARDS = 'AwsSolutions-IAM5';

/** Records that a rule's finding on this construct was reviewed, and why it stands. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  // Validations reads '::' as the separator between a rule's source and its name, and refuses an ID with more than
  // one. A wildcard finding quotes the ARN it is about, which may hold several (<AWS::Partition>), so those go into
  // the same metadata directly.
  if (id.split('::').length <= 2) {
    Validations.of(scope).acknowledge({ id, reason });
  } else {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  }
}

/**
 * Adds a statement to a principal's policy and acknowledges each wildcard resource in it on that policy, for the
 * given reason. Wildcard actions are never acknowledged: the construct names every action it grants.
 */
export function allowWithWildcardResources(grantee: iam.IGrantable, statement: iam.PolicyStatement, reason: string): void {
  const principal = grantee.grantPrincipal;
  principal.addToPrincipalPolicy(statement);
  // A role keeps the statements it is given in its default policy, which is what the scanner reports on.
  const policy = isConstruct(principal) ? principal.node.tryFindChild('DefaultPolicy') : undefined;
  if (!policy) {
    throw new Error(`Cannot acknowledge the wildcards of a statement for ${principal}: it has no default policy.`);
  }
  for (const resource of statement.resources.filter(arn => renderForScanner(policy, arn).includes('*'))) {
    acknowledgeWildcardResource(policy, resource, reason);
  }
}

/** Acknowledges a wildcard resource of a policy, named as the scanner names it. */
export function acknowledgeWildcardResource(policy: IConstruct, resource: string, reason: string): void {
  acknowledge(policy, `${IAM_WILDCARDS}[Resource::${renderForScanner(policy, resource)}]`, reason);
}

/**
 * Every wildcard resource of a policy the construct does not write itself (such as the one aws-cdk-lib adds for a
 * Distributed Map), acknowledged for one reason.
 */
export function acknowledgeWildcardResourcesOf(policy: iam.Policy, reason: string): void {
  for (const statement of statementsOf(policy).filter(candidate => candidate.Effect === 'Allow')) {
    const resources = statement.Resource === undefined ? [] : ([] as unknown[]).concat(statement.Resource);
    for (const resource of resources.map(flatten).filter(text => text.includes('*'))) {
      acknowledge(policy, `${IAM_WILDCARDS}[Resource::${resource}]`, reason);
    }
  }
}

/** A statement of a policy as CloudFormation will read it. */
export interface ResolvedStatement {
  readonly Effect: string;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

/** The statements a policy holds so far, resolved as far as they can be before the app is prepared. */
export function statementsOf(policy: iam.Policy): ResolvedStatement[] {
  const document = resolveForScanner(policy, policy.document) as { Statement?: ResolvedStatement[] } | undefined;
  return document?.Statement ?? [];
}

/**
 * A resource as the scanner prints it in a finding: CloudFormation references as `<LogicalId>` and
 * `<LogicalId.Attribute>`, joins flattened into one string, anything else as JSON.
 */
function renderForScanner(scope: IConstruct, value: string): string {
  return flatten(resolveForScanner(scope, value));
}

function resolveForScanner(scope: IConstruct, value: unknown): unknown {
  // As while preparing: a reference to another stack stays a reference instead of failing to resolve. Its finding
  // will then name the import, not this reference, and stays unacknowledged; the README says so.
  return Tokenization.resolve(value, {
    scope,
    preparing: true,
    resolver: new DefaultTokenResolver(new JoinFragments()),
  });
}

/** Joins the pieces of a string with tokens in it as Fn::Join does, so that each piece keeps its own form. */
class JoinFragments implements IFragmentConcatenator {
  public join(left: unknown, right: unknown): unknown {
    return { 'Fn::Join': ['', [left, right]] };
  }
}

function flatten(value: unknown): string {
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  const intrinsic = (value ?? {}) as Record<string, any>;
  if (intrinsic['Fn::Join']) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (intrinsic['Fn::Sub']) {
    return flatten(intrinsic['Fn::Sub']);
  }
  if (intrinsic['Fn::GetAtt']) {
    const [logicalId, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(logicalId)}.${flatten(attribute)}>`;
  }
  if (intrinsic['Fn::ImportValue']) {
    return flatten(intrinsic['Fn::ImportValue']);
  }
  if (intrinsic.Ref) {
    return `<${flatten(intrinsic.Ref)}>`;
  }
  return JSON.stringify(value);
}

function isConstruct(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && 'node' in value;
}
