#!/usr/bin/env bash
# Sends 10 000 messages to the loopback Service Bus (testkit's servicebus-fake) three ways, same
# broker, same run, and prints the ratios:
#   kedatui send (batched azservicebus)  vs  the seed's pattern (Python azure-servicebus, one
#   message per send call)  vs  Python batches.
# Goal: kedatui ≥ 50× the seed pattern and ≥ 10× Python batches.
# Usage: scripts/bench-send.sh [COUNT] [ROUNDS]     (defaults 10000 and 3)
# Python's SDK is pip-installed into target/bench-python/ (nothing is assumed installed).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${1:-10000}"
ROUNDS="${2:-3}"
PY_SITE="target/bench-python/site"
PY_SDK="azure-servicebus==7.15.0"

echo "building release binaries (kedatui, servicebus-fake)..." >&2
cargo build --quiet --release -p kedatui --bin kedatui -p testkit --bin servicebus-fake

if ! PYTHONPATH="$PY_SITE" python3 -c 'import azure.servicebus' 2>/dev/null; then
  echo "installing $PY_SDK into $PY_SITE..." >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$PY_SITE" "$PY_SDK" >&2
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
AMQP_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
KEY="$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')"

QUEUES=()
for round in $(seq 1 "$ROUNDS"); do
  QUEUES+=(--queue "rust-$round" --queue "pysingle-$round" --queue "pybatch-$round")
done

FAKE_LOG="$(mktemp)"
target/release/servicebus-fake --amqp-port "$AMQP_PORT" --http-port "$HTTP_PORT" \
  --key-name bench --key "$KEY" "${QUEUES[@]}" >"$FAKE_LOG" 2>&1 &
FAKE_PID=$!
trap 'kill "$FAKE_PID" 2>/dev/null || true; rm -f "$FAKE_LOG"' EXIT

export SERVICEBUS_CONNECTION_STRING="Endpoint=sb://127.0.0.1:$AMQP_PORT;SharedAccessKeyName=bench;SharedAccessKey=$KEY;UseDevelopmentEmulator=true"
export SERVICEBUS_MANAGEMENT_URL="http://127.0.0.1:$HTTP_PORT/"

# Wait (bounded) until the broker answers.
for _ in $(seq 1 100); do
  if target/release/kedatui queue --queue "rust-1" >/dev/null 2>&1; then break; fi
  sleep 0.1
done

json_field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

check_count() {
  local queue="$1" got
  got="$(target/release/kedatui queue --json --queue "$queue" | json_field active)"
  if [ "$got" != "$COUNT" ]; then
    echo "error: queue $queue holds $got messages, expected $COUNT" >&2
    exit 1
  fi
}

declare -a RUST PYSINGLE PYBATCH
for round in $(seq 1 "$ROUNDS"); do
  r="$(target/release/kedatui send --count "$COUNT" --json --queue "rust-$round" | json_field elapsed_s)"
  check_count "rust-$round"
  s="$(PYTHONPATH="$PY_SITE" python3 scripts/bench_send.py single "pysingle-$round" "$COUNT" | json_field elapsed_s)"
  check_count "pysingle-$round"
  b="$(PYTHONPATH="$PY_SITE" python3 scripts/bench_send.py batch "pybatch-$round" "$COUNT" | json_field elapsed_s)"
  check_count "pybatch-$round"
  RUST+=("$r"); PYSINGLE+=("$s"); PYBATCH+=("$b")
  printf 'round %d: kedatui %.3fs  python single %.3fs  python batch %.3fs\n' "$round" "$r" "$s" "$b"
done

python3 - "$COUNT" "${RUST[*]}" "${PYSINGLE[*]}" "${PYBATCH[*]}" <<'PY'
import statistics, sys
count = int(sys.argv[1])
rust, single, batch = ([float(x) for x in arg.split()] for arg in sys.argv[2:5])
med = statistics.median
r, s, b = med(rust), med(single), med(batch)
print(f"\n{count} messages, median of {len(rust)} rounds (loop only, connection opened beforehand):")
print(f"  kedatui send (batched)            {r:8.3f}s  {count/r:10.0f} msg/s")
print(f"  Python, one message per send      {s:8.3f}s  {count/s:10.0f} msg/s")
print(f"  Python, batches                   {b:8.3f}s  {count/b:10.0f} msg/s")
print(f"  kedatui vs the seed pattern: {s/r:6.1f}x  (goal >= 50x) {'OK' if s/r >= 50 else 'BELOW GOAL'}")
print(f"  kedatui vs Python batches:   {b/r:6.1f}x  (goal >= 10x) {'OK' if b/r >= 10 else 'BELOW GOAL'}")
PY
