#!/usr/bin/env bash
# Lossless strategies side by side, three processes on loopback, 64-byte payloads:
#   1. buffer (memory only) with a consumer that keeps up;
#   2. spill with a 64 KiB memory tier, so the lane keeps overflowing to disk, with a consumer that keeps up;
#   3. spill absorbing a burst while the subscriber is (nearly) stopped: --rate 1000.
#   bench/scripts/spill.sh [seconds]
# Prints one Markdown row per run.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
port=${PORT:-7631}
out=$(mktemp -d)
spill="$out/spill"
./sluice --version > /dev/null

run() { # name, consumer rate (or empty), relay flags...
  local name=$1 rate=$2; shift 2
  ./sluice relay --port "$port" "$@" > "$out/relay.log" 2>&1 &
  local relay=$!
  until grep -q "listening on" "$out/relay.log"; do kill -0 "$relay" 2>/dev/null || { cat "$out/relay.log"; exit 1; }; sleep 0.1; done
  local rateflag=()
  [ -n "$rate" ] && rateflag=(--rate "$rate")
  ./sluice consume --stream bench --port "$port" "${rateflag[@]}" --duration "$((seconds + 4))s" --idle-timeout 3s \
    --json "$out/consume.json" > "$out/consume.log" 2>&1 &
  local consumer=$!
  sleep 1.5
  ./sluice produce --stream bench --port "$port" --size 64 --duration "${seconds}s" --json "$out/produce.json" \
    > "$out/produce.log" 2>&1
  kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true
  local disk; disk=$(du -sm "$spill" 2>/dev/null | cut -f1 || echo 0)
  kill "$relay"; wait "$relay" || true
  python3 - "$out/produce.json" "$out/consume.json" "$name" "${disk:-0}" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
print(f"| {sys.argv[3]} | {p['ratePerSecond']:,.0f} | {c['ratePerSecond']:,.0f} | {c['received']:,} of {p['sent']:,} | "
      f"{c['outOfOrder']} / {c['duplicates']} | {sys.argv[4]} MiB |")
PY
  rm -rf "$spill"
}

echo "| run | produced msg/s | consumed msg/s | received | out of order / duplicates | spill dir at end |"
echo "|-----|---------------:|---------------:|---------:|---------------------------|-----------------:|"
run "buffer, 8 MiB memory, consumer keeps up" "" --strategy buffer --memory 8MiB
run "spill, 64 KiB memory, consumer keeps up" "" --strategy spill --memory 64KiB --spill-dir "$spill" --spill-quota 16GiB
run "spill, 8 MiB memory, consumer at 1,000/s (absorbing)" 1000 --strategy spill --memory 8MiB --spill-dir "$spill" --spill-quota 16GiB
rm -rf "$out"
