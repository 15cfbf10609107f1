import { Duration } from 'aws-cdk-lib';
import { RunStatus } from '../../src';
import { matchEvents } from '../support/event-ruler';
import { executionStatusChangeEvent } from '../support/notification';
import { task } from '../support/simulated-ecs';
import { simulateRun, SimulatedRun } from '../support/simulated-run';
import { ENVIRONMENT, synthesizeTests, SynthesizedWorkflow, testSuite } from '../support/synth';

const SUITES = [testSuite('unit', 3, { timeout: Duration.minutes(15) }), testSuite('e2e', 1)];

describe('the notification rule', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN: the default statuses
    workflow = synthesizeTests({ testSuites: SUITES });
  });

  function statusChange(status: string, stateMachineArn = workflow.stateMachineArn) {
    return executionStatusChangeEvent({ stateMachineArn, executionName: 'run-1', status, input: {}, withCause: false });
  }

  test('matches the failed, timed-out and aborted runs of its state machine and nothing else', () => {
    // GIVEN
    const otherMachine = `arn:aws:states:${ENVIRONMENT.region}:${ENVIRONMENT.account}:stateMachine:other-tests`;
    const cases: Array<[string, unknown, boolean]> = [
      ['FAILED', statusChange('FAILED'), true],
      ['TIMED_OUT', statusChange('TIMED_OUT'), true],
      ['ABORTED', statusChange('ABORTED'), true],
      ['FAILED, with error and cause', { ...statusChange('FAILED'), detail: { ...(statusChange('FAILED').detail as object), error: 'TestRunFailed', cause: 'x' } }, true],
      ['SUCCEEDED', statusChange('SUCCEEDED'), false],
      ['RUNNING', statusChange('RUNNING'), false],
      ['PENDING_REDRIVE', statusChange('PENDING_REDRIVE'), false],
      ['FAILED, of another state machine', statusChange('FAILED', otherMachine), false],
      ['FAILED, of a machine whose name starts with this one\'s', statusChange('FAILED', `${workflow.stateMachineArn}-copy`), false],
      // A shard's child execution, should Step Functions send events for them: named after the Map Run's label.
      ['FAILED, of a shard\'s child execution', statusChange('FAILED', `${workflow.stateMachineArn}/Shards`), false],
      ['FAILED, from another source', { ...statusChange('FAILED'), source: 'custom.states' }, false],
      ['an ECS task state change', { ...statusChange('FAILED'), 'detail-type': 'ECS Task State Change', 'source': 'aws.ecs' }, false],
    ];

    // WHEN
    const matched = matchEvents(workflow.notificationRule.eventPattern, cases.map(([, event]) => event));

    // THEN
    expect(Object.fromEntries(cases.map(([name], i) => [name, matched[i]])))
      .toEqual(Object.fromEntries(cases.map(([name, , expected]) => [name, expected])));
  });

  test('matches succeeded runs too when notifyOn asks for them', () => {
    // GIVEN
    const noisy = synthesizeTests({ testSuites: SUITES, notifyOn: [RunStatus.SUCCEEDED, RunStatus.FAILED] });
    const change = (status: string) => executionStatusChangeEvent({
      stateMachineArn: noisy.stateMachineArn, executionName: 'run-1', status, input: {}, withCause: false,
    });

    // WHEN
    const matched = matchEvents(noisy.notificationRule.eventPattern, [change('SUCCEEDED'), change('FAILED'), change('ABORTED')]);

    // THEN
    expect(matched).toEqual([true, true, false]);
  });
});

describe('the notification text', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    workflow = synthesizeTests({ testSuites: SUITES });
  });

  /** What every notification must say, whether or not the event carries the cause. */
  function expectReadable(message: string, run: SimulatedRun) {
    const lines = message.split('\n');
    expect(lines[0]).toBe('Test run run-1 ended FAILED.');
    expect(message).not.toMatch(/<[A-Za-z-]+>|undefined|\bnull\b|\[object Object\]/);
    expect(lines).toContainEqual(expect.stringMatching(
      new RegExp(`^Execution: https://us-east-1\\.console\\.aws\\.amazon\\.com/states/home\\?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:${ENVIRONMENT.account}:execution:.+:run-1$`)));
    expect(run.notification.sent).toBe(true);
  }

  const FAILURES: Array<[string, Parameters<typeof simulateRun>[1], RegExp]> = [
    ['a test failure', { tasks: { 'unit/2': [task.exits(3)] } }, /^- unit shard 2\/3: FAILED after 1 attempt \(exit code 3\)$/m],
    ['a timeout', { tasks: { 'e2e/1': [task.hangs()] } }, /^- e2e shard 1\/1: TIMED_OUT after 1 attempt: ran longer than its timeout of 3600 seconds$/m],
    ['an image that cannot be pulled', { tasks: { 'unit/1': [task.failsToPullImage()] } }, /^- unit shard 1\/3: ERROR after 3 attempts: TaskFailedToStart: CannotPullContainerError: /m],
    ['ECS throttling that does not let up', { tasks: { 'unit/3': [task.isThrottled()] } }, /^- unit shard 3\/3: ERROR after 3 attempts: ECS\.ThrottlingException: Rate exceeded$/m],
    ['an unknown suite', { input: { testSuites: ['smoke'] } }, /testSuites\[0\] is "smoke"; known test suites are "unit", "e2e"\./],
  ];

  test.each(FAILURES)('for %s names the run, its status and what went wrong, and links the execution', async (_, scenario, shardLine) => {
    // WHEN
    const run = await simulateRun(workflow, scenario);

    // THEN: with the cause in the event, its lines are part of the message
    expectReadable(run.notification.withCause, run);
    expect(run.notification.withCause).toMatch(shardLine);
    expect(run.notification.withCause).toContain(run.cause);

    // THEN: without it (the event may not carry it), the message still reads as a whole
    expectReadable(run.notification.withoutCause, run);
    expect(run.notification.withoutCause).not.toMatch(shardLine);
  });
});
