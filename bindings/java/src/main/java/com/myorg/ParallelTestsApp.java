package com.myorg;

import io.github.cdk_resilient_parallel_ecs_tests.FargateCapacity;
import io.github.cdk_resilient_parallel_ecs_tests.ResilientParallelEcsTests;
import io.github.cdk_resilient_parallel_ecs_tests.RetryPolicy;
import io.github.cdk_resilient_parallel_ecs_tests.RunSchedule;
import io.github.cdk_resilient_parallel_ecs_tests.RunStatus;
import io.github.cdk_resilient_parallel_ecs_tests.TestSuite;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.events.CronOptions;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.iam.AccountPrincipal;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;

/** Builds the stack of bindings/typescript/app.ts with the Java binding. */
public final class ParallelTestsApp {
    private ParallelTestsApp() {
    }

    public static void main(final String[] args) {
        App app = new App();
        Stack stack = new Stack(app, "ParallelTests", StackProps.builder()
                .env(Environment.builder().account("123456789012").region("us-east-1").build())
                .build());

        ContainerImage image = ContainerImage.fromRegistry("public.ecr.aws/docker/library/node:22-slim");

        ResilientParallelEcsTests tests = ResilientParallelEcsTests.Builder.create(stack, "Tests")
                .testSuites(List.of(
                        TestSuite.builder()
                                .name("unit")
                                .image(image)
                                .command(List.of("npm", "test"))
                                .shards(4)
                                .build(),
                        TestSuite.builder()
                                .name("e2e")
                                .image(image)
                                .command(List.of("npm", "run", "e2e"))
                                .environment(Map.of("BASE_URL", "https://staging.example.com"))
                                .cpu(2048)
                                .memoryLimitMiB(4096)
                                .shards(2)
                                .timeout(Duration.minutes(30))
                                .build()))
                .retryPolicy(RetryPolicy.builder()
                        .maxAttempts(4)
                        .interval(Duration.seconds(20))
                        .retryTestFailures(1)
                        .build())
                .taskTimeout(Duration.minutes(15))
                .capacity(FargateCapacity.SPOT)
                .notificationTargets(List.of(new EmailSubscription("qa-team@example.com")))
                .notifyOn(List.of(RunStatus.FAILED, RunStatus.TIMED_OUT))
                .schedules(List.of(RunSchedule.builder()
                        .schedule(Schedule.cron(CronOptions.builder().hour("3").minute("0").build()))
                        .testSuites(List.of("e2e"))
                        .build()))
                .build();

        Role ciRole = Role.Builder.create(stack, "CiRole")
                .assumedBy(new AccountPrincipal("123456789012"))
                .build();
        tests.grantStartRun(ciRole);

        CfnOutput.Builder.create(stack, "StateMachineArn")
                .value(tests.getStateMachine().getStateMachineArn())
                .build();

        app.synth();
    }
}
