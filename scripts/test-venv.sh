#!/usr/bin/env bash
# Prints the path of a private Python virtualenv holding the tools the tests use
# from PyPI, creating it on first use: openapi-spec-validator (the OpenAPI
# document) and aiosmtpd (a real SMTP server the confirmation tests send to).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(pwd)/${CARGO_TARGET_DIR:-target}/test-venv"
case "${CARGO_TARGET_DIR:-}" in /*) venv="$CARGO_TARGET_DIR/test-venv" ;; esac
if [ ! -x "$venv/bin/aiosmtpd" ] || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  # Built aside and moved into place, so a concurrent caller never sees half a venv.
  tmp="$venv.tmp.$$"
  rm -rf "$tmp"
  python3 -m venv "$tmp" >&2
  "$tmp/bin/pip" install --quiet --disable-pip-version-check \
    'openapi-spec-validator==0.7.*' 'aiosmtpd==1.4.*' >&2
  # The venv's scripts name their interpreter by absolute path: fix it up after the move.
  rm -rf "$venv"
  mv "$tmp" "$venv"
  sed -i "1s|^#!.*|#!$venv/bin/python3|" "$venv"/bin/aiosmtpd "$venv"/bin/openapi-spec-validator
fi
echo "$venv"
