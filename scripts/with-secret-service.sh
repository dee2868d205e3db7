#!/bin/sh
# Runs COMMAND... in a D-Bus session of its own with an unlocked GNOME Keyring as the Secret Service, for the
# keyring tests on a machine without a desktop (CI, a container, ssh):
#   scripts/with-secret-service.sh cargo test --locked
# The keyring's files live in a temporary directory, never in the user's own keyring; the daemon ends with the
# session. Needs Debian's dbus (dbus-run-session, dbus-send) and gnome-keyring.
set -eu
if [ -z "${KRR_SECRET_SERVICE_SESSION:-}" ]; then
  export KRR_SECRET_SERVICE_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -m 700 "$dir/run" "$dir/data" "$dir/home"
# --unlock makes and unlocks a "login" collection with the password read from standard input (which must not be
# empty); it is the default collection new items go into.
printf 'krr-inspector-test' |
  HOME="$dir/home" XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" \
    gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
# Ready once it owns the Secret Service's name on the bus (at most 10 s).
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  i=$((i + 1))
  if [ "$i" -gt 100 ]; then
    echo "with-secret-service: gnome-keyring-daemon did not start the Secret Service" >&2
    exit 1
  fi
  sleep 0.1
done
"$@"
