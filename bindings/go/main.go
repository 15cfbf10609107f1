// Builds the stack of bindings/typescript/app.ts with the Go binding.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"
	tests "github.com/cdk-resilient-parallel-ecs-tests/cdk-resilient-parallel-ecs-tests-go/cdkresilientparallelecstests"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("ParallelTests"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})

	image := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/node:22-slim"), nil)

	parallelTests := tests.NewResilientParallelEcsTests(stack, jsii.String("Tests"), &tests.ResilientParallelEcsTestsProps{
		TestSuites: &[]*tests.TestSuite{
			{Name: jsii.String("unit"), Image: image, Command: jsii.Strings("npm", "test"), Shards: jsii.Number(4)},
			{
				Name:           jsii.String("e2e"),
				Image:          image,
				Command:        jsii.Strings("npm", "run", "e2e"),
				Environment:    &map[string]*string{"BASE_URL": jsii.String("https://staging.example.com")},
				Cpu:            jsii.Number(2048),
				MemoryLimitMiB: jsii.Number(4096),
				Shards:         jsii.Number(2),
				Timeout:        awscdk.Duration_Minutes(jsii.Number(30)),
			},
		},
		RetryPolicy: &tests.RetryPolicy{
			MaxAttempts:       jsii.Number(4),
			Interval:          awscdk.Duration_Seconds(jsii.Number(20)),
			RetryTestFailures: jsii.Number(1),
		},
		TaskTimeout: awscdk.Duration_Minutes(jsii.Number(15)),
		Capacity:    tests.FargateCapacity_SPOT,
		NotificationTargets: &[]awssns.ITopicSubscription{
			awssnssubscriptions.NewEmailSubscription(jsii.String("qa-team@example.com"), nil),
		},
		NotifyOn: &[]tests.RunStatus{tests.RunStatus_FAILED, tests.RunStatus_TIMED_OUT},
		Schedules: &[]*tests.RunSchedule{{
			Schedule:   awsevents.Schedule_Cron(&awsevents.CronOptions{Hour: jsii.String("3"), Minute: jsii.String("0")}),
			TestSuites: jsii.Strings("e2e"),
		}},
	})

	ciRole := awsiam.NewRole(stack, jsii.String("CiRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewAccountPrincipal(jsii.String("123456789012")),
	})
	parallelTests.GrantStartRun(ciRole)

	awscdk.NewCfnOutput(stack, jsii.String("StateMachineArn"), &awscdk.CfnOutputProps{
		Value: parallelTests.StateMachine().StateMachineArn(),
	})

	app.Synth(nil)
}
