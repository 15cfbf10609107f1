"""Builds the stack of bindings/typescript/app.ts with the Python binding."""
from aws_cdk import App, CfnOutput, Duration, Environment, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns_subscriptions as subscriptions
from cdk_resilient_parallel_ecs_tests import (
    FargateCapacity,
    ResilientParallelEcsTests,
    RetryPolicy,
    RunSchedule,
    RunStatus,
    TestSuite,
)

app = App()
stack = Stack(app, "ParallelTests", env=Environment(account="123456789012", region="us-east-1"))

image = ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/node:22-slim")

tests = ResilientParallelEcsTests(
    stack,
    "Tests",
    test_suites=[
        TestSuite(name="unit", image=image, command=["npm", "test"], shards=4),
        TestSuite(
            name="e2e",
            image=image,
            command=["npm", "run", "e2e"],
            environment={"BASE_URL": "https://staging.example.com"},
            cpu=2048,
            memory_limit_mib=4096,
            shards=2,
            timeout=Duration.minutes(30),
        ),
    ],
    retry_policy=RetryPolicy(max_attempts=4, interval=Duration.seconds(20), retry_test_failures=1),
    task_timeout=Duration.minutes(15),
    capacity=FargateCapacity.SPOT,
    notification_targets=[subscriptions.EmailSubscription("qa-team@example.com")],
    notify_on=[RunStatus.FAILED, RunStatus.TIMED_OUT],
    schedules=[RunSchedule(schedule=events.Schedule.cron(hour="3", minute="0"), test_suites=["e2e"])],
)

ci_role = iam.Role(stack, "CiRole", assumed_by=iam.AccountPrincipal("123456789012"))
tests.grant_start_run(ci_role)

CfnOutput(stack, "StateMachineArn", value=tests.state_machine.state_machine_arn)

app.synth()
