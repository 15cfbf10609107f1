#!/usr/bin/env bash
# Runs integ-runner on the scenarios in integ/, passing on any arguments (flags, scenario names).
#
# The region for deployments is the first of INTEG_REGIONS, AWS_REGION, AWS_DEFAULT_REGION that is set, else
# us-east-1. integ-runner deploys one scenario at a time per region, so INTEG_REGIONS=eu-west-1,eu-central-1 runs
# two at once. Snapshot checks ignore the region.
set -euo pipefail
regions="${INTEG_REGIONS:-${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}}"
exec integ-runner --directory integ --language typescript --parallel-regions "$regions" --max-workers 2 "$@"
