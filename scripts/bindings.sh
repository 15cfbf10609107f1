#!/usr/bin/env bash
# Builds the Python, Java and Go bindings with jsii-pacmak, installs each with aws-cdk-lib for its language,
# synthesizes the same stack with each language's smoke app (bindings/<language>/) and with the TypeScript reference
# app (bindings/typescript/app.ts), and fails unless every template is the reference's (bindings/compare-templates.ts).
#
# Run it with `npx projen bindings`, which first bundles the Lambda code, compiles with jsii and translates the
# examples with jsii-rosetta. Everything it builds goes to dist/{python,java,go} and build/bindings/.
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD
out=$root/build/bindings
# Templates from an earlier run must not be compared with this run's, here or by test/bindings.
rm -rf "$out"/*/cdk.out
mkdir -p "$out"

# Every app runs with the aws-cdk-lib and constructs versions of the TypeScript reference: the library's minimum,
# which its devDependencies pin. A template can only be compared with one that the same aws-cdk-lib made.
cdk_version=$(node -p "require('aws-cdk-lib/package.json').version")
constructs_version=$(node -p "require('constructs/package.json').version")
binding_version=$(node -p "require('./package.json').version")

# Each jsii process (pacmak, rosetta and the runtime under every app) warns about the Node version in a 13-line
# banner; keep the log readable.
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=$(node -p "process.versions.node.split('.')[0]")
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION
# The Availability Zones that a CDK CLI would look up for the apps' fixed account and Region; without them the VPC
# gets placeholder zones and the assembly records a missing lookup.
export CDK_CONTEXT_JSON='{"availability-zones:account=123456789012:region=us-east-1":["us-east-1a","us-east-1b","us-east-1c"]}'

step_started=0
step() {
  if [ "$step_started" -ne 0 ]; then
    echo "bindings: ... $(( $(date +%s) - step_started )) s"
  fi
  step_started=$(date +%s)
  echo "bindings: $*"
}
started=$(date +%s)

step "jsii-pacmak: the Python wheel and the Java jar (aws-cdk-lib ${cdk_version}, constructs ${constructs_version})"
rm -rf dist/python dist/java dist/go
# Javadoc and source jars are for publishing; the smoke app needs neither. Maven's local repository is the build
# directory's, which the Java app shares, so no artifact from an earlier run outside it is ever used.
MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.javadoc.skip=true -Dmaven.source.skip=true" \
  npx jsii-pacmak --target python --target java --maven-local-repository="$out/java/m2"

# The Go binding is the generated module's source: that is what gets published. The Go app compiles it, so
# pacmak's own `go build` would only compile the same code twice.
step "jsii-pacmak: the Go module"
npx jsii-pacmak --target go --code-only

step "TypeScript: the reference app"
CDK_OUTDIR="$out/typescript/cdk.out" npx ts-node --project tsconfig.dev.json bindings/typescript/app.ts

step "Python: a venv with the wheel, aws-cdk-lib==${cdk_version} and constructs==${constructs_version}"
venv=$out/python/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
wheel=$(ls dist/python/*.whl)
"$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" "aws-cdk-lib==${cdk_version}" "constructs==${constructs_version}"
# A venv kept from an earlier run already has this version number: replace it with the wheel just built.
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
CDK_OUTDIR="$out/python/cdk.out" "$venv/bin/python" bindings/python/app.py

step "Java: the jar into build/bindings/java/m2, aws-cdk-lib ${cdk_version} from Maven Central"
m2=$out/java/m2
jar=$(find dist/java -name "cdk-resilient-parallel-ecs-tests-${binding_version}.jar")
# Maven 3.8 prints colour resets even in batch mode, on both streams; strip them.
mvn_quiet() { mvn --batch-mode --quiet "-Dmaven.repo.local=$m2" "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }
mvn_quiet install:install-file "-Dfile=$jar" "-DpomFile=${jar%.jar}.pom"
(cd bindings/java && CDK_OUTDIR="$out/java/cdk.out" mvn_quiet \
  "-Dcdk.version=$cdk_version" "-Dconstructs.version=$constructs_version" "-Dbinding.version=$binding_version" \
  compile exec:java)

step "Go: the generated module through go.mod's replace directive, aws-cdk-go from the Go module proxy"
(
  cd bindings/go
  if ! go mod tidy -diff; then
    echo "bindings/go/go.mod or go.sum is out of date with the generated module: run 'go mod tidy' in bindings/go and commit both." >&2
    exit 1
  fi
  resolved=$(go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2)
  if [ "$resolved" != "v${cdk_version}" ]; then
    echo "The Go app resolves aws-cdk-go ${resolved}, not v${cdk_version} like the TypeScript reference: the templates would not be comparable." >&2
    exit 1
  fi
  go build -o "$out/go/app" .
)
# When the app closes, jsii-runtime-go (1.140) waits for its Node process twice, from Close() and from a goroutine,
# and the later wait may print "Runtime process exited abnormally: waitid: no child processes" though Node exited 0.
# It ends without a line break; give it one so that it does not run into the next line of the log.
CDK_OUTDIR="$out/go/cdk.out" "$out/go/app"
echo

step "Compare every template with the TypeScript reference"
npx ts-node --project tsconfig.dev.json --transpile-only bindings/compare-templates.ts "$out"

step "done"
echo "bindings: everything took $(( $(date +%s) - started )) s"
