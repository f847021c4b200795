#!/usr/bin/env bash
# Installs opsgate for the GitHub Action: a cached binary if the cache step
# restored one, else `cargo install` from the action's own source (or from
# the tag in OPSGATE_VERSION). No release binaries are published yet.
set -euo pipefail
bin="$HOME/.cargo/bin"
if [ -x "$bin/opsgate" ]; then
  echo "opsgate: using the cached $("$bin/opsgate" --version)"
elif [ -n "${OPSGATE_VERSION:-}" ]; then
  cargo install --locked --root "$HOME/.cargo" \
    --git "${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_ACTION_REPOSITORY}" \
    --tag "$OPSGATE_VERSION" opsgate
else
  cargo install --locked --root "$HOME/.cargo" --path "$GITHUB_ACTION_PATH"
fi
echo "$bin" >> "$GITHUB_PATH"
