export { ResilientParallelEcsTests, FargateCapacity } from './resilient-parallel-ecs-tests';
export type { ResilientParallelEcsTestsProps, RunSchedule } from './resilient-parallel-ecs-tests';
export type { TestSuite } from './test-suite';
export type { RetryPolicy } from './retry-policy';
export { RunStatus } from './notifications';
