#!/usr/bin/env bash
# The TypeScript bindings are generated from the Rust types by `cargo test`
# (ts-rs). Fails when the committed copies differ from what the code generates.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=ui/src/lib/bindings
if ! git rev-parse --git-dir >/dev/null 2>&1; then exit 0; fi
changes=$(git status --porcelain -- "$dir")
if [ -n "$changes" ]; then
  echo "The TypeScript bindings in $dir are out of date with the Rust types:" >&2
  echo "$changes" >&2
  echo "Run 'cargo test', review and commit $dir." >&2
  exit 1
fi
echo "bindings: up to date"
