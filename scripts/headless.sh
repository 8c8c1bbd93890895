#!/usr/bin/env bash
# Runs a command the way a desktop session would: a display (Xvfb, when there is
# none) and a D-Bus session bus with an unlocked Secret Service keyring, so the
# app's OS-keyring calls work on a headless machine too.
set -euo pipefail
if [ $# -eq 0 ]; then echo "usage: $0 command [args...]" >&2; exit 2; fi

inner='echo -n baton-headless | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"'
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- bash -c "$inner" _ "$@"
else
  exec dbus-run-session -- bash -c "$inner" _ "$@"
fi
