# shellcheck shell=bash
# Shared helpers for the e2e suite: logging, processes started by PID, bounded
# waits, stage failures and cleanup. Sourced by run.sh.

E2E_T0=$(date +%s.%N)

elapsed() { awk -v a="$E2E_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[e2e %6ss] %s\n' "$(elapsed)" "$*"; }

# Every process the suite starts: "name pid" lines, stopped in reverse order.
STARTED=()

# start_in_ns NAME NAMESPACE COMMAND...: runs COMMAND inside NAMESPACE in the
# background, output to $LOGS/NAME.log. `ip netns exec` execs COMMAND, so $!
# is COMMAND's own PID.
start_in_ns() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$LOGS/$name.log" 2>&1 &
  STARTED+=("$name $!")
  eval "PID_${name//-/_}=$!"
}

pid_of() { local var="PID_${1//-/_}"; echo "${!var}"; }

is_running() { kill -0 "$1" 2>/dev/null; }

# stop_pid PID: SIGTERM, up to 5 s for it to exit, then SIGKILL. Direct
# children it leaves behind (`netboot wireguard up` runs wireguard-go) are
# stopped the same way, by their PIDs.
stop_pid() {
  local pid=$1 i child children
  is_running "$pid" || return 0
  children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    is_running "$pid" || break
    sleep 0.1
  done
  is_running "$pid" && kill -KILL "$pid" 2>/dev/null
  for child in $children; do stop_pid "$child"; done
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  log "timed out after ${seconds}s waiting for: $what"
  return 1
}

# The stage named when a command fails under `set -e` without a message of its own.
CURRENT_STAGE=setup
stage() { CURRENT_STAGE=$1; log "$2"; }
FAILED_REPORTED=false

# fail STAGE MESSAGE: the suite's single way to fail; names the broken stage.
fail() {
  local stage=$1
  shift
  printf '\nE2E FAILED at stage "%s": %s\nLogs: %s\n' "$stage" "$*" "$LOGS" >&2
  if [[ -s "${SERIAL_LOG:-}" ]]; then
    echo "Last lines on the VM's console:" >&2
    tr -d '\r' <"$SERIAL_LOG" | sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g' | grep -v '^[[:space:]]*$' | tail -n 8 | sed 's/^/  | /' >&2 || true
  fi
  FAILED_REPORTED=true
  exit 1
}

NAMESPACES=()

cleanup() {
  local status=$? i entry
  trap - EXIT INT TERM
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    entry=${STARTED[i]}
    stop_pid "${entry#* }"
  done
  for ns in "${NAMESPACES[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  if ((status != 0)) && ! $FAILED_REPORTED; then
    printf '\nE2E FAILED at stage "%s" (exit %s); logs: %s\n' "$CURRENT_STAGE" "$status" "$LOGS" >&2
  fi
  exit "$status"
}
