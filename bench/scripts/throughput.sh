#!/usr/bin/env bash
# Relay throughput with producer, relay and consumer as three processes on loopback.
#   bench/scripts/throughput.sh [payload-bytes] [seconds] [runs]
# RELAY_ARGS, PRODUCE_ARGS and CONSUME_ARGS add options to the three command lines (e.g.
# RELAY_ARGS=--stream-loop-affinity=false, PRODUCE_ARGS=--direct CONSUME_ARGS=--direct).
# Prints one Markdown row per run: payload, messages/s sent, received, MB/s, latency percentiles, order checks.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-64}
seconds=${2:-10}
runs=${3:-3}
port=${PORT:-7611}
out=$(mktemp -d)
./sluice --version > /dev/null   # builds the jar on first use

for run in $(seq 1 "$runs"); do
  # shellcheck disable=SC2086
  ./sluice relay --port "$port" ${RELAY_ARGS:-} > "$out/relay.log" 2>&1 &
  relay=$!
  until grep -q "listening on" "$out/relay.log"; do
    kill -0 "$relay" 2>/dev/null || { cat "$out/relay.log"; exit 1; }
    sleep 0.1
  done
  # shellcheck disable=SC2086
  ./sluice consume ${CONSUME_ARGS:-} --stream bench --port "$port" --duration "$((seconds + 8))s" --idle-timeout 3s \
    --json "$out/consume.json" > "$out/consume.log" 2>&1 &
  consumer=$!
  sleep 1.5   # let the subscription join before the first message: messages with no subscriber are not kept
  # shellcheck disable=SC2086
  ./sluice produce ${PRODUCE_ARGS:-} --stream bench --port "$port" --size "$size" --duration "${seconds}s" \
    --json "$out/produce.json" > "$out/produce.log" 2>&1
  wait "$consumer" || true
  kill "$relay"; wait "$relay" || true
  python3 - "$out/produce.json" "$out/consume.json" "$size" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2])); size = int(sys.argv[3])
lat = c["latencyMicros"]
print(f"| {size} B | {p['sent']:,} | {p['ratePerSecond']:,.0f} | {c['received']:,} | {c['ratePerSecond']:,.0f} | "
      f"{c['ratePerSecond'] * (size + 32) / 1e6:,.0f} | {lat['p50']:,} / {lat['p99']:,} / {lat['max']:,} | "
      f"{c['outOfOrder']} / {c['duplicates']} |")
PY
done
rm -rf "$out"
