import { PlanEvent, RunPlan } from './contract';
import { S3ResultsStore } from './results-store';
import { planRun } from './run-plan';

/** The "Plan run" state: validates the execution input and lays out the run's shards. */
export const handler = async (event: PlanEvent): Promise<RunPlan> => planRun(event, new S3ResultsStore(event.bucket));
