export { ResilientParallelEcsTests, ResilientParallelEcsTestsProps, FargateCapacity, RunSchedule } from './resilient-parallel-ecs-tests';
export { TestSuite } from './test-suite';
export { RetryPolicy } from './retry-policy';
export { RunStatus } from './notifications';
