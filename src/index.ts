export { ResilientParallelEcsTests } from './resilient-parallel-ecs-tests';
export { FargateCapacity } from './props';
export type { ResilientParallelEcsTestsProps, RunSchedule } from './props';
export type { TestSuite } from './test-suite';
export type { RetryPolicy } from './retry-policy';
export { RunStatus } from './notifications';
