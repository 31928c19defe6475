#!/usr/bin/env bash
# Lossless strategies side by side, three processes on loopback, 64-byte payloads:
#   1. buffer (memory only) with a consumer that keeps up;
#   2. spill with a 64 KiB memory tier, so the lane keeps overflowing to disk, with a consumer that keeps up;
#   3. the same spilling lane with the producer paced at half of what row 1 consumed (or PACED msg/s; 1,700,000 when
#      row 1 did not run), so that a flooding producer does not take the CPU the path needs: does a spilling lane
#      carry half of memory-only throughput? (issue #3's target)
#   4. spill absorbing a burst while the subscriber is (nearly) stopped: --rate 1000.
#   bench/scripts/spill.sh [seconds] [rows, e.g. 23; default 1234]
# RELAY_ARGS adds options to the relay's command line (e.g. RELAY_ARGS=--stream-loop-affinity=false).
# Prints one Markdown row per run. "through disk" is the relay's spilled-messages counter over what was produced.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
rows=${2:-1234}
paced=${PACED:-}
port=${PORT:-7631}
metrics=$((port + 1))
out=$(mktemp -d)
spill="$out/spill"
./sluice --version > /dev/null

run() { # name, producer rate, consumer rate (or empty), relay flags...
  local name=$1 prate=$2 rate=$3; shift 3
  rm -f "$out/produce.json" "$out/consume.json"
  # shellcheck disable=SC2086
  ./sluice relay --port "$port" --metrics-port "$metrics" "$@" ${RELAY_ARGS:-} > "$out/relay.log" 2>&1 &
  local relay=$!
  until grep -qs "listening on" "$out/relay.log"; do kill -0 "$relay" 2>/dev/null || { cat "$out/relay.log"; exit 1; }; sleep 0.1; done
  local rateflag=()
  [ -n "$rate" ] && rateflag=(--rate "$rate")
  ./sluice consume --stream bench --port "$port" "${rateflag[@]}" --duration "$((seconds + 4))s" --idle-timeout 3s \
    --json "$out/consume.json" > "$out/consume.log" 2>&1 &
  local consumer=$!
  sleep 1.5
  ./sluice produce --stream bench --port "$port" --size 64 --rate "$prate" --duration "${seconds}s" \
    --json "$out/produce.json" > "$out/produce.log" 2>&1
  local spilled
  spilled=$(curl -s --max-time 10 "http://127.0.0.1:$metrics/metrics" \
    | awk '/^sluice_subscriber_spilled_messages_total/ {s += $NF; n++} END {if (n) printf "%d", s; else print "-"}')
  # Before the consumer leaves: a lane without a durable name deletes its disk tier when it closes.
  local disk; disk=$(du -sm "$spill" 2>/dev/null | cut -f1 || echo 0)
  kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true
  kill "$relay"; wait "$relay" || true
  python3 - "$out/produce.json" "$out/consume.json" "$name" "${disk:-0}" "${spilled:-0}" "$(uptime | sed 's/.*average: //; s/,.*//')" "$out/consumed" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
open(sys.argv[7], "w").write(f"{c['ratePerSecond']:.0f}")
through = f"{int(sys.argv[5]) / p['sent']:.0%}" if p['sent'] and sys.argv[5] != "-" else "?"
print(f"| {sys.argv[3]} | {p['ratePerSecond']:,.0f} | {c['ratePerSecond']:,.0f} | {c['received']:,} of {p['sent']:,} | "
      f"{c['outOfOrder']} / {c['duplicates']} | {through} | {sys.argv[4]} MiB | {sys.argv[6]} |")
PY
  rm -rf "$spill"
}

echo "| run | produced msg/s | consumed msg/s | received | out of order / duplicates | through disk | spill dir at end | load (1 min) |"
echo "|-----|---------------:|---------------:|---------:|---------------------------|-------------:|-----------------:|-------------:|"
case $rows in *1*) run "buffer, 8 MiB memory, consumer keeps up" max "" --strategy buffer --memory 8MiB
  [ -n "$paced" ] || paced=$(( $(cat "$out/consumed") / 2 )) ;; esac
paced=${paced:-1700000}
case $rows in *2*) run "spill, 64 KiB memory, consumer keeps up" max "" --strategy spill --memory 64KiB \
  --spill-dir "$spill" --spill-quota 16GiB ;; esac
case $rows in *3*) run "spill, 64 KiB memory, producer at $(echo "$paced" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')/s, consumer keeps up" "$paced" "" \
  --strategy spill --memory 64KiB --spill-dir "$spill" --spill-quota 16GiB ;; esac
case $rows in *4*) run "spill, 8 MiB memory, consumer at 1,000/s (absorbing)" max 1000 --strategy spill --memory 8MiB \
  --spill-dir "$spill" --spill-quota 16GiB ;; esac
[ -n "${KEEP:-}" ] || rm -rf "$out"
