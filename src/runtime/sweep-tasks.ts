import { SweepEvent, SweepResult, taskGroup } from './contract';

/** The three ECS calls a sweep makes, so that its logic can be tested against a simulated cluster. */
export interface TaskControl {
  /** One page of the ARNs of tasks of a family whose desired status is RUNNING. */
  listRunning(cluster: string, family: string, nextToken?: string): Promise<{ taskArns: string[]; nextToken?: string }>;
  /** The group of each task, for at most 100 tasks. */
  describeGroups(cluster: string, taskArns: string[]): Promise<Array<{ taskArn: string; group?: string }>>;
  stop(cluster: string, taskArn: string, reason: string): Promise<void>;
}

/** DescribeTasks takes at most this many tasks a call. */
const DESCRIBE_BATCH = 100;

/**
 * Stops every task of a run that is still running after the run's fan-out failed. When a Distributed Map fails, its
 * child executions are aborted; Step Functions is believed to stop the tasks that aborted `.sync` states were
 * waiting for, but no AWS document says so. A task of this run is one whose group starts with `tests:<runId>:`, the
 * group the shard workflow gives every task it starts; tasks of other runs and of anything else are left alone.
 */
export async function sweepRun(event: SweepEvent, ecs: TaskControl): Promise<SweepResult> {
  const prefix = taskGroup(event.runId);
  const stopped: string[] = [];
  for (const family of event.families) {
    // Listed in full before anything is stopped, so that stopping cannot shift the pages still to come.
    const running: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.listRunning(event.cluster, family, nextToken);
      running.push(...page.taskArns);
      nextToken = page.nextToken;
    } while (nextToken);

    for (let start = 0; start < running.length; start += DESCRIBE_BATCH) {
      const tasks = await ecs.describeGroups(event.cluster, running.slice(start, start + DESCRIBE_BATCH));
      for (const task of tasks.filter(candidate => candidate.group?.startsWith(prefix))) {
        await ecs.stop(event.cluster, task.taskArn, `Test run ${event.runId} stopped early; this shard will not be reported`);
        stopped.push(task.taskArn);
      }
    }
  }
  return { stopped };
}
