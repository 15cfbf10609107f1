import { RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The statuses a run can end with, as Step Functions reports them. */
export enum RunStatus {
  /** Every shard passed. */
  SUCCEEDED = 'SUCCEEDED',
  /** A shard did not pass, or the run was rejected. */
  FAILED = 'FAILED',
  /** The whole run took longer than its `runTimeout`. */
  TIMED_OUT = 'TIMED_OUT',
  /** Someone stopped the run. */
  ABORTED = 'ABORTED',
}

export interface RunNotificationsProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly topic?: sns.ITopic;
  readonly targets: sns.ITopicSubscription[];
  readonly notifyOn: RunStatus[];
  /** For the topic's key: a destroyed key is scheduled for deletion after KMS's waiting period. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Tells people when a run ends as they asked: an SNS topic that only accepts TLS, encrypted with a key that
 * EventBridge may use, and a rule that matches this state machine's executions and no other.
 */
export class RunNotifications extends Construct {
  public readonly topic: sns.ITopic;
  public readonly rule: events.Rule;
  /** The topic's key, when the topic is the construct's own. */
  public readonly key?: kms.IKey;

  constructor(scope: Construct, id: string, props: RunNotificationsProps) {
    super(scope, id);

    if (props.topic) {
      this.topic = props.topic;
    } else {
      // The AWS managed key for SNS cannot be used by EventBridge: its policy cannot be edited.
      const key = new kms.Key(this, 'TopicKey', {
        description: 'Encrypts the notifications of test runs',
        enableKeyRotation: true,
        policy: topicKeyPolicy(),
        removalPolicy: props.removalPolicy,
      });
      // The rule's SNS target grants events.amazonaws.com kms:Decrypt and kms:GenerateDataKey* on this key, and
      // nothing more, through Topic.grantPublish.
      this.key = key;
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: 'Test run notifications',
        masterKey: key,
        enforceSSL: true,
      });
    }
    for (const target of props.targets) {
      this.topic.addSubscription(target);
    }

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Notifies when a test run ends',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          status: props.notifyOn,
        },
      },
    });
    this.rule.addTarget(new targets.SnsTopic(this.topic, { message: notificationMessage() }));
  }
}

/**
 * The topic key's policy before the notification rule adds EventBridge's use of it. aws-cdk-lib's default gives the
 * account kms:*; this names what the account needs instead: to administer the key (as the AWS console's key
 * administrators statement does, which is also what CloudFormation needs to update and delete it), and to let its
 * own IAM policies grant decrypting and generating data keys, which is what publishing to the topic takes. Nothing
 * in the account can encrypt other data with it, or re-encrypt, sign or verify.
 */
function topicKeyPolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [new iam.PolicyStatement({
      sid: 'AccountAdministersTheKeyAndGrantsPublishing',
      principals: [new iam.AccountRootPrincipal()],
      actions: [
        'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*',
        'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion',
        'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
        'kms:Decrypt', 'kms:GenerateDataKey*',
      ],
      // In a key policy, "*" is this key.
      resources: ['*'],
    })],
  });
}

/**
 * A message a person can read in an email or a chat: which run, how it ended, why (the execution's cause, which
 * names the shards that did not pass, when the event carries it), and a link to the execution.
 */
export function notificationMessage(): events.RuleTargetInput {
  // The error and cause come last: when the event does not carry them (AWS does not document that it does), the
  // message ends early instead of showing a gap.
  return new PlainTextInput([
    'Test run <name> ended <status>.',
    'Execution: https://<region>.console.aws.amazon.com/states/home?region=<region>#/v2/executions/details/<executionArn>',
    'State machine: <stateMachineArn>',
    'Ended at: <time>',
    '',
    '<error>',
    '<cause>',
  ].join('\n'), {
    name: '$.detail.name',
    status: '$.detail.status',
    error: '$.detail.error',
    cause: '$.detail.cause',
    time: '$.time',
    stateMachineArn: '$.detail.stateMachineArn',
    region: '$.region',
    executionArn: '$.detail.executionArn',
  });
}

/**
 * An input template that is plain text. aws-cdk-lib's text inputs JSON-encode their text, and EventBridge hands an
 * input transformer's result to SNS as it is, so every message, or every line of it, would arrive in quotes.
 */
class PlainTextInput extends events.RuleTargetInput {
  constructor(private readonly template: string, private readonly paths: Record<string, string>) {
    super();
  }

  public bind(): events.RuleTargetInputProperties {
    return { inputTemplate: this.template, inputPathsMap: this.paths };
  }
}
