#!/usr/bin/env bash
# Installs what Baton needs to build and run on Debian/Ubuntu, skipping what is
# already there. `deps.sh test` adds what the end-to-end tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs="build-essential pkg-config curl file libwebkit2gtk-4.1-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libsecret-1-dev libdbus-1-dev"
# A virtual display and a Secret Service keyring, for headless runs and tests.
headless_pkgs="xvfb xauth gnome-keyring dbus-x11 libsecret-tools"
# WebDriver for the e2e test; jq runs the API guide's examples; a Python venv
# holds openapi-spec-validator; the server's suites also run on a PostgreSQL
# they start themselves from Debian's server programs.
test_pkgs="webkit2gtk-driver imagemagick jq python3-venv postgresql locales"

wanted="$build_pkgs $headless_pkgs"
[ "${1:-}" = "test" ] && wanted="$wanted $test_pkgs"

missing=""
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "Installing Debian packages:$missing"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

# The end-to-end tests run the console as a UK user would (dates, times and
# phone numbers in British form): the desktop needs the en_GB locale.
if [ "${1:-}" = "test" ] && ! locale -a 2>/dev/null | grep -qi '^en_GB\.utf-\?8$'; then
  echo "Generating the en_GB.UTF-8 locale (for the end-to-end tests)"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo sed -i 's/^# *en_GB.UTF-8 UTF-8/en_GB.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^en_GB.UTF-8 UTF-8' /etc/locale.gen || echo 'en_GB.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "test" ] && ! command -v cargo-deny >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-deny" ]; then
  echo "Installing cargo-deny (dependency licence, ban and source checks)"
  cargo install cargo-deny --locked
fi

if [ "${1:-}" = "test" ] && ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  echo "Installing tauri-driver (WebDriver for the end-to-end tests)"
  cargo install tauri-driver --locked
fi
