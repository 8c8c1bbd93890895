#!/usr/bin/env bash
# Validates the committed OpenAPI document against the OpenAPI 3.1 specification
# with openapi-spec-validator (from the tests' private virtualenv).
# That it matches the code is checked by crates/baton-server/tests/openapi.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(scripts/test-venv.sh)
"$venv/bin/openapi-spec-validator" docs/openapi.json
