#!/usr/bin/env bash
# Validates the committed OpenAPI document against the OpenAPI 3.1 specification
# with openapi-spec-validator (installed into a private virtualenv on first use).
# That it matches the code is checked by crates/baton-server/tests/openapi.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CARGO_TARGET_DIR:-target}/openapi-venv"
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check openapi-spec-validator==0.7.*
fi
"$venv/bin/openapi-spec-validator" docs/openapi.json
