#!/usr/bin/env bash
# Installs opsgate for the GitHub Action, the fastest way that works:
#   1. the release archive for this runner (opsgate-VERSION-TARGET.tar.gz),
#      installed only when its SHA-256 matches the release's .sha256 file;
#   2. the wheel from PyPI (`opsgate==VERSION`), unpacked without touching
#      any Python environment;
#   3. `cargo install` from source, which takes minutes.
# VERSION is the `version` input, else the action's own ref when it is a
# release tag (v1.2.3). Any other ref (a branch, a commit, `uses: ./`) builds
# that ref's source. A checksum mismatch fails the step: an archive that is
# not the released one is never unpacked, let alone run.
#
# Environment: OPSGATE_VERSION (the input), OPSGATE_ACTION_REF and
# OPSGATE_ACTION_REPOSITORY (github.action_ref / action_repository, which
# composite actions do not always fill; the action's path tells them too),
# OPSGATE_INSTALL_DIR
# (default $RUNNER_TEMP/opsgate-bin: each job installs its own, so a
# self-hosted runner never keeps an old one), and GitHub's RUNNER_OS, RUNNER_ARCH,
# GITHUB_SERVER_URL, GITHUB_ACTION_PATH, GITHUB_PATH, RUNNER_TEMP.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
install_dir="${OPSGATE_INSTALL_DIR:-${RUNNER_TEMP:-$HOME/.opsgate}/opsgate-bin}"
work="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/opsgate-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "::error title=opsgate install::$*" >&2
  exit 1
}

# `cargo install ARGS…` into a scratch root, then the binary into place.
cargo_install() {
  cargo install --locked --root "$work/cargo" "$@"
  mkdir -p "$install_dir"
  install -m 755 "$work/cargo/bin/opsgate" "$install_dir/opsgate"
}

# Puts the installed binary on the job's PATH and says which one it is.
installed() {
  echo "$install_dir" >> "${GITHUB_PATH:-/dev/null}"
  echo "opsgate: installed $("$install_dir/opsgate" --version) ($1)"
  exit 0
}

# The action's ref and repository: the runner checks an action out at
# _actions/OWNER/REPO/REF, so its path tells them when the context does not.
ref="${OPSGATE_ACTION_REF:-}"
repository="${OPSGATE_ACTION_REPOSITORY:-}"
case "$action_path" in
  */_actions/*/*/*)
    [ -n "$ref" ] || ref="$(basename "$action_path")"
    [ -n "$repository" ] ||
      repository="$(basename "$(dirname "$(dirname "$action_path")")")/$(basename "$(dirname "$action_path")")"
    ;;
esac

version="${OPSGATE_VERSION:-}"
if [ -z "$version" ] && [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+.][0-9A-Za-z.+-]*)?$ ]]; then
  version="$ref"
fi
version="${version#v}"

if [ -z "$version" ]; then
  echo "opsgate: the action's ref '${ref:-(local)}' is not a release tag: building its source with cargo (minutes; pin a release tag such as v1.2.3 to install in seconds)"
  command -v cargo >/dev/null 2>&1 ||
    fail "no release to install for ref '${ref:-(local)}' and no cargo to build it: use a release tag of the action (uses: OWNER/opsgate@vX.Y.Z) or set the 'version' input"
  cargo_install --path "$action_path"
  installed "built from the action's source"
fi

case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
  Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-musl ;;
  macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
  macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
  Windows/* | MINGW* | MSYS* | CYGWIN*)
    fail "opsgate does not run on Windows runners: use runs-on: ubuntu-latest or macos-latest"
    ;;
  *) target="" ;;
esac

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# 1. The release archive.
if [ -n "$target" ]; then
  base="${GITHUB_SERVER_URL:-https://github.com}/${repository:-unknown}/releases/download"
  name="opsgate-$version-$target"
  url="$base/v$version/$name.tar.gz"
  if curl -fsSL --retry 3 -o "$work/$name.tar.gz" "$url"; then
    curl -fsSL --retry 3 -o "$work/$name.tar.gz.sha256" "$url.sha256" ||
      fail "downloaded $url but not its checksum $url.sha256: not installing an archive that cannot be verified"
    expected="$(cut -d' ' -f1 < "$work/$name.tar.gz.sha256" | tr 'A-F' 'a-f')"
    actual="$(sha256_of "$work/$name.tar.gz")"
    [[ "$expected" =~ ^[0-9a-f]{64}$ ]] ||
      fail "$url.sha256 does not hold a SHA-256 sum (it starts: $(head -c 80 "$work/$name.tar.gz.sha256"))"
    if [ "$expected" != "$actual" ]; then
      fail "checksum mismatch for $url: the release says $expected, the download is $actual; nothing was installed. Run the job again; if it persists, the release's files were changed: do not use them, and tell the maintainers"
    fi
    echo "opsgate: $name.tar.gz matches its SHA-256 ($actual)"
    tar -xzf "$work/$name.tar.gz" -C "$work"
    [ -f "$work/$name/opsgate" ] || fail "$url holds no $name/opsgate"
    mkdir -p "$install_dir"
    install -m 755 "$work/$name/opsgate" "$install_dir/opsgate"
    installed "release archive $name.tar.gz"
  fi
  echo "opsgate: no release archive at $url; trying the wheel from PyPI"
else
  echo "opsgate: no release archive for ${RUNNER_OS:-}/${RUNNER_ARCH:-}; trying the wheel from PyPI"
fi

# 2. The wheel: pip picks the one for this platform; its binary is copied out.
python="$(command -v python3 || command -v python || true)"
if [ -n "$python" ] &&
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --dest "$work/wheel" "opsgate==$version"; then
  "$python" -m zipfile -e "$work"/wheel/opsgate-*.whl "$work/wheel/unpacked"
  mkdir -p "$install_dir"
  install -m 755 "$work"/wheel/unpacked/opsgate-*.data/scripts/opsgate "$install_dir/opsgate"
  installed "wheel opsgate==$version"
fi
echo "opsgate: no wheel of opsgate==$version for this runner; building it with cargo"

# 3. From source: the action's own checkout when it is that version's tag.
command -v cargo >/dev/null 2>&1 ||
  fail "opsgate $version: no release archive, no wheel and no cargo on this runner; check that release v$version exists"
if [ "${ref#v}" = "$version" ]; then
  cargo_install --path "$action_path"
else
  cargo_install --git "${GITHUB_SERVER_URL:-https://github.com}/$repository" --tag "v$version" opsgate
fi
installed "built from source, tag v$version"
