import { sweepRun, TaskControl } from '../../src/runtime/sweep-tasks';

/** A cluster of running tasks, listed in pages of `pageSize` as ECS does. */
class SimulatedCluster implements TaskControl {
  public readonly stopped: Array<{ taskArn: string; reason: string }> = [];
  public readonly describeCalls: string[][] = [];

  constructor(private readonly tasks: Array<{ taskArn: string; family: string; group?: string }>, private readonly pageSize = 100) {}

  public async listRunning(cluster: string, family: string, nextToken?: string) {
    expect(cluster).toBe('arn:aws:ecs:eu-west-1:123456789012:cluster/tests');
    const running = this.tasks.filter(task => task.family === family && !this.stopped.some(s => s.taskArn === task.taskArn));
    const start = nextToken ? Number(nextToken) : 0;
    const end = start + this.pageSize;
    return { taskArns: running.slice(start, end).map(task => task.taskArn), nextToken: end < running.length ? String(end) : undefined };
  }

  public async describeGroups(_cluster: string, taskArns: string[]) {
    this.describeCalls.push(taskArns);
    return taskArns.map(taskArn => ({ taskArn, group: this.tasks.find(task => task.taskArn === taskArn)?.group }));
  }

  public async stop(_cluster: string, taskArn: string, reason: string) {
    this.stopped.push({ taskArn, reason });
  }
}

const event = { runId: 'run-7', cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/tests', families: ['unit', 'e2e'] };

describe('sweepRun', () => {
  test('stops the run\'s running tasks of every suite, and no task of another run or of anything else', async () => {
    // GIVEN
    const cluster = new SimulatedCluster([
      { taskArn: 'task/unit-1', family: 'unit', group: 'tests:run-7:unit:1' },
      { taskArn: 'task/unit-2', family: 'unit', group: 'tests:run-70:unit:2' },
      { taskArn: 'task/e2e-1', family: 'e2e', group: 'tests:run-7:e2e:1' },
      { taskArn: 'task/e2e-x', family: 'e2e', group: 'family:e2e' },
      { taskArn: 'task/e2e-y', family: 'e2e' },
      { taskArn: 'task/other', family: 'other', group: 'tests:run-7:other:1' },
    ]);

    // WHEN
    const result = await sweepRun(event, cluster);

    // THEN
    expect(result.stopped).toEqual(['task/unit-1', 'task/e2e-1']);
    expect(cluster.stopped.map(stop => stop.reason)).toEqual([
      'Test run run-7 stopped early; this shard will not be reported',
      'Test run run-7 stopped early; this shard will not be reported',
    ]);
  });

  test('pages through listings and describes at most 100 tasks a call', async () => {
    // GIVEN 250 running tasks of the run in one suite, listed 100 at a time
    const tasks = Array.from({ length: 250 }, (_, i) => ({ taskArn: `task/${i}`, family: 'unit', group: `tests:run-7:unit:${i + 1}` }));
    const cluster = new SimulatedCluster(tasks, 100);

    // WHEN
    const result = await sweepRun({ ...event, families: ['unit'] }, cluster);

    // THEN every task is stopped once, and no DescribeTasks call names more than 100 tasks
    expect(result.stopped).toEqual(tasks.map(task => task.taskArn));
    expect(cluster.describeCalls.map(call => call.length)).toEqual([100, 100, 50]);
  });

  test('stops nothing when no task of the run is running, as when Step Functions already stopped them', async () => {
    // GIVEN
    const cluster = new SimulatedCluster([{ taskArn: 'task/a', family: 'unit', group: 'tests:run-8:unit:1' }]);

    // WHEN
    const result = await sweepRun(event, cluster);

    // THEN
    expect(result.stopped).toEqual([]);
    expect(cluster.stopped).toEqual([]);
  });
});
