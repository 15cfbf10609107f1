// The SDK is not bundled: the Lambda runtime provides it, so it stays a development dependency of this library.
// eslint-disable-next-line import/no-extraneous-dependencies
import { DescribeTasksCommand, ECSClient, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { SweepEvent, SweepResult } from './contract';
import { sweepRun, TaskControl } from './sweep-tasks';

const client = new ECSClient({});

const ecs: TaskControl = {
  async listRunning(cluster, family, nextToken) {
    const page = await client.send(new ListTasksCommand({ cluster, family, desiredStatus: 'RUNNING', nextToken }));
    return { taskArns: page.taskArns ?? [], nextToken: page.nextToken };
  },
  async describeGroups(cluster, taskArns) {
    const described = await client.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    return (described.tasks ?? []).map(task => ({ taskArn: task.taskArn!, group: task.group }));
  },
  async stop(cluster, taskArn, reason) {
    await client.send(new StopTaskCommand({ cluster, task: taskArn, reason }));
  },
};

/** The "Stop leftover tasks" state: stops the tasks of a run whose fan-out failed. */
export const handler = async (event: SweepEvent): Promise<SweepResult> => sweepRun(event, ecs);
