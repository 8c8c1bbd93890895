#!/usr/bin/env bash
# Prints the path of a private Python virtualenv holding the tools the tests use
# from PyPI, creating it on first use: openapi-spec-validator (the OpenAPI
# document), aiosmtpd (a real SMTP server the confirmation tests send to), and
# schemathesis and openapi-python-client (crates/baton-server/tests/contract.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(pwd)/${CARGO_TARGET_DIR:-target}/test-venv"
case "${CARGO_TARGET_DIR:-}" in /*) venv="$CARGO_TARGET_DIR/test-venv" ;; esac
tools="aiosmtpd openapi-spec-validator st openapi-python-client"
ready=1
for t in $tools; do [ -x "$venv/bin/$t" ] || ready=0; done
if [ "$ready" = 0 ]; then
  # Built aside and moved into place, so a concurrent caller never sees half a venv.
  tmp="$venv.tmp.$$"
  rm -rf "$tmp"
  python3 -m venv "$tmp" >&2
  "$tmp/bin/pip" install --quiet --disable-pip-version-check \
    'openapi-spec-validator==0.7.*' 'aiosmtpd==1.4.*' \
    'schemathesis==4.32.5' 'openapi-python-client==0.29.1' >&2
  # The venv's scripts name their interpreter by absolute path: fix it up after the move.
  rm -rf "$venv"
  mv "$tmp" "$venv"
  for t in $tools; do sed -i "1s|^#!.*|#!$venv/bin/python3|" "$venv/bin/$t"; done
fi
echo "$venv"
