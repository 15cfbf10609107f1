import { createHash } from 'crypto';
import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ResilientParallelEcsTests, ResilientParallelEcsTestsProps, TestSuite } from '../../src';

/** Where every synthesized stack pretends to live, so that ARNs come out as plain, predictable strings. */
export const ENVIRONMENT = { partition: 'aws', region: 'us-east-1', account: '123456789012' } as const;

/** A public image that needs no credentials; nothing pulls it offline, but it keeps example stacks deployable. */
export const PUBLIC_IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

/** A test suite with the public image, for tests that only care about names and shards. */
export function testSuite(name: string, shards: number, options: Partial<TestSuite> = {}): TestSuite {
  return { name, image: PUBLIC_IMAGE, shards, ...options };
}

/** A CloudFormation template as `cdk synth` writes it. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** The rule target's input transformer, as synthesized. */
export interface InputTransformer {
  readonly InputPathsMap: Record<string, string>;
  readonly InputTemplate: string;
}

/** What the simulation needs from a synthesized stack, with every CloudFormation intrinsic resolved. */
export interface SynthesizedWorkflow {
  readonly template: CfnTemplate;
  /** The state machine's definition: plain Amazon States Language. */
  readonly definition: AslDefinition;
  readonly stateMachineArn: string;
  readonly notificationRule: {
    readonly eventPattern: Record<string, unknown>;
    readonly inputTransformer: InputTransformer;
  };
}

/** The few parts of an ASL definition that the simulation walks; everything else is passed through untouched. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly TimeoutSeconds?: number;
}

export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Retry?: unknown[];
  readonly ItemProcessor?: AslDefinition & { readonly ProcessorConfig?: { readonly Mode?: string } };
  readonly [field: string]: unknown;
}

/** Synthesizes a stack that holds the construct with these props, and reads its workflow. */
export function synthesizeTests(props: ResilientParallelEcsTestsProps): SynthesizedWorkflow {
  const app = new App();
  const stack = new Stack(app, 'Tests', { env: { account: ENVIRONMENT.account, region: ENVIRONMENT.region } });
  new ResilientParallelEcsTests(stack, 'Tests', props);
  return readWorkflow(app.synth().getStackByName(stack.stackName).template as CfnTemplate);
}

/** Reads the state machine and the notification rule of a template that holds one ResilientParallelEcsTests. */
export function readWorkflow(template: CfnTemplate): SynthesizedWorkflow {
  const resolver = new IntrinsicResolver(template);
  const [machineId, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');
  const machineArn = resolver.resolve({ Ref: machineId }, machineId) as string;
  const definition = JSON.parse(resolver.resolve(machine.Properties?.DefinitionString, `${machineId}.DefinitionString`) as string);

  // The notification rule is the one whose pattern names this state machine.
  const rules = Object.entries(template.Resources).filter(([id, resource]) => resource.Type === 'AWS::Events::Rule'
    && JSON.stringify(resolver.resolve(resource.Properties?.EventPattern ?? null, id)).includes(machineArn));
  if (rules.length !== 1) {
    throw new Error(`Expected one EventBridge rule whose pattern names ${machineArn}, found ${rules.length}.`);
  }
  const [ruleId, rule] = rules[0];
  const targets = resolver.resolve(rule.Properties?.Targets, `${ruleId}.Targets`) as Array<{ InputTransformer?: InputTransformer }>;
  const transformer = targets.find(target => target.InputTransformer)?.InputTransformer;
  if (!transformer) {
    throw new Error(`The rule ${ruleId} has no target with an InputTransformer.`);
  }
  return {
    template,
    definition,
    stateMachineArn: machineArn,
    notificationRule: {
      eventPattern: resolver.resolve(rule.Properties?.EventPattern, `${ruleId}.EventPattern`) as Record<string, unknown>,
      inputTransformer: transformer,
    },
  };
}

function onlyResource(template: CfnTemplate, type: string): [string, CfnResource] {
  const found = Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
  if (found.length !== 1) {
    throw new Error(`Expected one ${type} in the template, found ${found.length}.`);
  }
  return found[0];
}

/**
 * Resolves the CloudFormation intrinsics that a synthesized definition uses into the plain values a deployment
 * would give them: Fn::Join, Ref (of resources and pseudo parameters) and Fn::GetAtt. Physical names and IDs are
 * made up from the logical ID, the same every time. Anything else is refused, so that a template that needs more
 * cannot be simulated with a value that only looks right.
 */
export class IntrinsicResolver {
  constructor(private readonly template: CfnTemplate) {}

  public resolve(value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return value.map((item, index) => this.resolve(item, `${where}[${index}]`));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    const intrinsic = entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::')) ? entries[0] : undefined;
    if (!intrinsic) {
      return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item, `${where}.${key}`)]));
    }
    const [name, argument] = intrinsic;
    switch (name) {
      case 'Ref':
        return this.ref(argument as string, where);
      case 'Fn::GetAtt':
        return this.getAtt(argument as [string, string], where);
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(parts, where) as unknown[]).map(part => {
          if (typeof part !== 'string' && typeof part !== 'number') {
            throw new Error(`Fn::Join at ${where} has a part that is not a string: ${JSON.stringify(part)}`);
          }
          return String(part);
        }).join(separator);
      }
      default:
        throw new Error(`Cannot resolve ${name} at ${where}: the simulation only knows Ref, Fn::GetAtt and Fn::Join.`);
    }
  }

  private ref(logicalId: string, where: string): string {
    const { partition, region, account } = ENVIRONMENT;
    const pseudo: Record<string, string> = {
      'AWS::Partition': partition,
      'AWS::Region': region,
      'AWS::AccountId': account,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (logicalId in pseudo) {
      return pseudo[logicalId];
    }
    const resource = this.resource(logicalId, where);
    const name = physicalName(logicalId, resource);
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
      case 'AWS::ECS::Cluster':
      case 'AWS::Lambda::Function':
      case 'AWS::IAM::Role':
      case 'AWS::Logs::LogGroup':
        return name;
      case 'AWS::ECS::TaskDefinition':
        return `arn:${partition}:ecs:${region}:${account}:task-definition/${resource.Properties?.Family ?? name}:1`;
      case 'AWS::EC2::Subnet':
        return `subnet-${fakeId(logicalId)}`;
      case 'AWS::EC2::SecurityGroup':
        return `sg-${fakeId(logicalId)}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
      case 'AWS::SNS::Topic':
        return `arn:${partition}:sns:${region}:${account}:${name}`;
      default:
        throw new Error(`Cannot resolve Ref of ${logicalId} (${resource.Type}) at ${where}.`);
    }
  }

  private getAtt([logicalId, attribute]: [string, string], where: string): string {
    const { partition, region, account } = ENVIRONMENT;
    const resource = this.resource(logicalId, where);
    const name = physicalName(logicalId, resource);
    const known: Record<string, () => string> = {
      'AWS::S3::Bucket.Arn': () => `arn:${partition}:s3:::${name}`,
      'AWS::ECS::Cluster.Arn': () => `arn:${partition}:ecs:${region}:${account}:cluster/${name}`,
      'AWS::EC2::SecurityGroup.GroupId': () => `sg-${fakeId(logicalId)}`,
      'AWS::Lambda::Function.Arn': () => `arn:${partition}:lambda:${region}:${account}:function:${name}`,
      'AWS::IAM::Role.Arn': () => `arn:${partition}:iam::${account}:role/${name}`,
      'AWS::StepFunctions::StateMachine.Arn': () => `arn:${partition}:states:${region}:${account}:stateMachine:${name}`,
      'AWS::StepFunctions::StateMachine.Name': () => name,
      'AWS::SNS::Topic.TopicArn': () => `arn:${partition}:sns:${region}:${account}:${name}`,
      'AWS::Logs::LogGroup.Arn': () => `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`,
    };
    const resolve = known[`${resource.Type}.${attribute}`];
    if (!resolve) {
      throw new Error(`Cannot resolve Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}) at ${where}.`);
    }
    return resolve();
  }

  private resource(logicalId: string, where: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) {
      throw new Error(`Cannot resolve ${logicalId} at ${where}: the template has no such resource or pseudo parameter.`);
    }
    return resource;
  }
}

/** The name a deployment would give the resource: the one it was given, or one made from its logical ID. */
function physicalName(logicalId: string, resource: CfnResource): string {
  const props = resource.Properties ?? {};
  const given = ['BucketName', 'ClusterName', 'FunctionName', 'RoleName', 'LogGroupName', 'StateMachineName', 'TopicName']
    .map(key => props[key]).find(value => typeof value === 'string');
  if (typeof given === 'string') {
    return given;
  }
  const made = `${logicalId}-${fakeId(logicalId).slice(0, 12)}`;
  return resource.Type === 'AWS::S3::Bucket' ? made.toLowerCase() : made;
}

function fakeId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 17);
}
