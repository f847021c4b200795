#!/usr/bin/env bash
# The action's gate step: runs `opsgate check` (or, with the `merge` input,
# `opsgate merge` of the shards' JSON reports it names), writing SARIF, JUnit
# and JSON reports into $RUNNER_TEMP/opsgate, the step summary and the
# annotations, and records the step outputs (opsgate writes verdict, counts
# and report paths; this script adds exit-code). It exits 0 whatever the
# verdict, so that the SARIF upload can run; the action's last step fails
# the job.
set -uo pipefail
opsgate="${OPSGATE:-opsgate}"
out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/opsgate"
mkdir -p "$out"
reports=(--output "sarif=$out/opsgate.sarif"
  --output "junit=$out/opsgate-junit.xml"
  --output "json=$out/opsgate.json")
if [ -n "${INPUT_MERGE:-}" ]; then
  # The glob is expanded here; no match leaves no report, which merge refuses.
  shopt -s nullglob
  # shellcheck disable=SC2206
  shards=($INPUT_MERGE)
  shopt -u nullglob
  args=(merge "${shards[@]}" --root "${INPUT_PATH:-.}" "${reports[@]}")
else
  args=(check "${INPUT_PATH:-.}" "${reports[@]}")
  if [ -n "${INPUT_FAIL_ON:-}" ]; then
    args+=(--fail-on "$INPUT_FAIL_ON")
  fi
fi
read -r -a extra <<< "${INPUT_ARGS:-}"
"$opsgate" "${args[@]}" "${extra[@]}"
code=$?
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
case "$code" in
  0) echo "opsgate: the gate passed" ;;
  1) echo "opsgate: the gate failed; the findings are above and in the reports" ;;
  *) echo "opsgate: the gate could not judge (exit $code); see the error above" ;;
esac
exit 0
