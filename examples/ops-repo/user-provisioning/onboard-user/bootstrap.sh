#!/usr/bin/env bash
# Prepare accounts for a batch of new starters and store the JSON records
# where the provisioning job picks them up.
#
# Usage: ./bootstrap.sh OUTPUT_DIR "First Last" ["First Last" ...]
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 OUTPUT_DIR \"First Last\" [...]" >&2
    exit 64
fi

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
output_dir="$1"
shift

mkdir -p "${output_dir}"
umask 077
outfile="${output_dir}/onboard-$(date +%Y%m%d-%H%M%S).json"

PYTHONPATH="${repo_root}/lib${PYTHONPATH:+:${PYTHONPATH}}" \
    python3 "${script_dir}/onboard_user.py" --group vpn "$@" >"${outfile}"

echo "wrote ${outfile}"
