#!/usr/bin/env bash
# Lints every CloudFormation template the project synthesizes with cfn-lint: the stacks of the security tests, the
# example app, and the committed integ snapshots. Any error or warning fails; the rules skipped, and why, are in
# .cfnlintrc and nowhere else. cfn-lint comes from PyPI into a virtual environment of its own, made on first use.
set -euo pipefail

CFN_LINT_VERSION="1.58.0"
VENV=".venv/cfn-lint"
OUT="cdk.out/cfn-lint"

cd "$(dirname "$0")/.."

if [ "$("$VENV/bin/cfn-lint" --version 2>/dev/null)" != "cfn-lint $CFN_LINT_VERSION" ]; then
  echo "Installing cfn-lint $CFN_LINT_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi

rm -rf "$OUT"
TS_NODE_TRANSPILE_ONLY=true npx ts-node --project tsconfig.dev.json test/security/synth-for-lint.ts "$OUT"

shopt -s nullglob
templates=("$OUT"/*/*.template.json integ/*.snapshot/*.template.json)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "No templates to lint: the synthesis above wrote none." >&2
  exit 1
fi

echo "cfn-lint $CFN_LINT_VERSION on ${#templates[@]} templates"
# .cfnlintrc is read from this folder; it names the skipped rules and says why.
"$VENV/bin/cfn-lint" -- "${templates[@]}"
echo "cfn-lint: no errors, no warnings"
