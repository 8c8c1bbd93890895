#!/usr/bin/env bash
# `make run`: starts the demo server and opens the console signed in to it.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
port="${BATON_PORT:-8787}"
user="${BATON_USER:-alice}"

"$target/release/baton-server" demo --addr "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT

# Wait until the server answers (it loads the demo data first).
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the demo server did not start (is port $port free? set BATON_PORT)" >&2; exit 1; }
  sleep 0.1
done

export BATON_SERVER_URL="http://127.0.0.1:$port" BATON_USERNAME="$user" BATON_PASSWORD="baton-demo"
echo "Opening Baton as '$user' (try BATON_USER=dan for the installer's dispatcher)."
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  "$target/release/baton"
else
  echo "No desktop session found: running under a virtual display with a temporary keyring."
  scripts/headless.sh "$target/release/baton"
fi
