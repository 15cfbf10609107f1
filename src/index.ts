export * from './resilient-parallel-ecs-tests';
export * from './test-suite';
export * from './retry-policy';
export * from './notifications';
