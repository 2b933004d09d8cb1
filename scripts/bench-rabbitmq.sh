#!/usr/bin/env bash
# Sends a burst of 10 000 persistent messages with publisher confirms to a private, real
# rabbitmq-server (Debian's, started here on loopback ports, stopped at the end) three ways, same
# broker, same run, each into its own fresh durable queue, and prints the medians and ratios:
#   kedatui send --scaler rabbitmq (lapin, pipelined: 1 000 published, then their confirms)
#   the seed's pattern: Python pika BlockingConnection + confirm_delivery(), one basic_publish per
#     message, each waiting for its confirm
#   pika's best effort: SelectConnection, 1 000 published, then their (multiple) acks
# After each send the queue must hold exactly COUNT messages (management API), so no method wins
# by losing messages.
# Usage: scripts/bench-rabbitmq.sh [COUNT] [ROUNDS]     (defaults 10000 and 3)
#        scripts/bench-rabbitmq.sh --dry-run [COUNT] [ROUNDS]   (prints the plan, starts nothing)
# pika is pip-installed into target/bench-python/ and rabbitmq-server with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DRY_RUN=0
if [ "${1:-}" = "--dry-run" ]; then
  DRY_RUN=1
  shift
fi
case "${1:-}" in
  -h | --help)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

COUNT="${1:-10000}"
ROUNDS="${2:-3}"
BIN="target/release/kedatui"
SERVER="/usr/lib/rabbitmq/bin/rabbitmq-server"
PY_SITE="target/bench-python/site"
PIKA="pika==1.4.4"
HELPER="scripts/bench_rabbitmq.py"
DIR="$PWD/target/bench-rabbitmq"
NODE="kedatui-bench-$$@localhost"

if [ "$DRY_RUN" = 1 ]; then
  [ -x "$BIN" ] || echo "would build: cargo build --release -p kedatui --bin kedatui"
  [ -x "$SERVER" ] || echo "would install: apt-get install -y --no-install-recommends rabbitmq-server"
  echo "would pip-install $PIKA into $PY_SITE (if missing)"
  echo "would start $SERVER as node $NODE on loopback ports, files in $DIR"
  for round in $(seq 1 "$ROUNDS"); do
    for method in kedatui seed batched; do
      echo "round $round: declare durable queue $method-$round, send $COUNT with $method, check it holds $COUNT"
    done
  done
  echo "would print the medians and the ratios, then stop the broker (SIGTERM, epmd -kill)"
  exit 0
fi

# Built when missing only (the machine is shared; build.rs rebuilds on every new commit): after
# changing the code, rebuild with the command below. The summary names the binary's commit.
if [ ! -x "$BIN" ]; then
  echo "building $BIN (release)..." >&2
  cargo build --quiet --release -p kedatui --bin kedatui
fi

if [ ! -x "$SERVER" ]; then
  echo "installing rabbitmq-server (Debian)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null; }
fi

if ! PYTHONPATH="$PY_SITE" python3 -c 'import pika' 2>/dev/null; then
  echo "installing $PIKA into $PY_SITE..." >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$PY_SITE" "$PIKA" >&2
fi

# Four distinct free loopback ports, all bound at once so none is handed out twice.
read -r AMQP_PORT MGMT_PORT DIST_PORT EPMD_PORT < <(python3 -c '
import socket
held = [socket.socket() for _ in range(4)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in held))')

rm -rf "$DIR"
mkdir -p "$DIR"
cat >"$DIR/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $MGMT_PORT
collect_statistics_interval = 500
EOF
echo '[rabbitmq_management].' >"$DIR/enabled_plugins"
RESULTS="$DIR/results.jsonl"
: >"$RESULTS"

SERVER_PID=""
stop_broker() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  # The epmd the node started on its own port.
  epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
}
trap stop_broker EXIT
trap 'exit 130' INT TERM

echo "starting rabbitmq-server ($NODE, AMQP 127.0.0.1:$AMQP_PORT, management :$MGMT_PORT)..." >&2
(
  cd "$DIR"
  exec env HOME="$DIR" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    ERL_EPMD_PORT="$EPMD_PORT" \
    RABBITMQ_NODENAME="$NODE" \
    RABBITMQ_DIST_PORT="$DIST_PORT" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$DIR/mnesia" \
    RABBITMQ_LOG_BASE="$DIR/log" \
    "$SERVER"
) </dev/null >"$DIR/server.log" 2>&1 &
SERVER_PID=$!

export RABBITMQ_URL="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
export RABBITMQ_MANAGEMENT_URL="http://guest:guest@127.0.0.1:$MGMT_PORT/"
helper() { PYTHONPATH="$PY_SITE" python3 "$HELPER" "$@"; }

if ! helper wait "$SERVER_PID"; then
  echo "server log: $DIR/server.log" >&2
  exit 1
fi
echo "broker ready after ${SECONDS}s" >&2

send_kedatui() { "$BIN" send --scaler rabbitmq -n "$COUNT" --json --queue "$1"; }
send_seed() { helper seed "$1" "$COUNT"; }
send_batched() { helper batched "$1" "$COUNT" 1000; }

# One send into a fresh durable queue METHOD-ROUND: its JSON, its whole-process time, the queue
# checked to hold exactly COUNT, a line in the results.
measure() {
  local method="$1" round="$2" queue="$1-$2" out start end
  helper declare "$queue"
  start="$EPOCHREALTIME"
  out="$("send_$method" "$queue")"
  end="$EPOCHREALTIME"
  helper check "$queue" "$COUNT" >/dev/null
  helper record "$method" "$round" "$(python3 -c "print($end - $start)")" "$COUNT" "$RESULTS" <<<"$out"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq 1 "$ROUNDS"); do
  for method in kedatui seed batched; do
    measure "$method" "$round"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

helper summary "$COUNT" "$ROUNDS" "$RESULTS"
echo "versions: rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?'), $PIKA, $("$BIN" --version | head -n 2 | tr '\n' ' ')"
echo "whole run ${SECONDS}s" >&2
