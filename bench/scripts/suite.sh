#!/usr/bin/env bash
# The figures and charts of docs/benchmarks.md, "The bundled client": the demo, then the bench's scenarios with
# the peers in the same runs. Results (JSON, PNG, the printed tables with the load average) go to a folder;
# with --docs the charts are also copied into docs/img/.
#   bench/scripts/suite.sh [out-dir] [--docs]
# Peers need nats-server and haproxy installed (apt-get install nats-server haproxy); without them they are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -d /tmp/sluice-suite-XXXXXX)}
docs=${2:-}
mkdir -p "$out"
./sluice --version > /dev/null   # builds the jar on first use

run() {
  local name=$1; shift
  echo "== $name: ./sluice $* (load: $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$out/tables.txt"
  ./sluice "$@" 2> "$out/$name.progress" | tee -a "$out/tables.txt"
  echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/tables.txt"
}

run demo demo --out "$out/demo"
# A 5 s warmup keeps the JVM's first use of Chronicle Queue (the first spill) and the JIT's warmup at the maximum
# rate out of the measured window.
run peers bench --scenario max-throughput,latency-at-rate --duration 5 --warmup 5 \
  --json "$out/peers.json" --charts "$out/charts"
run strategies bench --scenario overload,burst,many-connections --duration 5 --warmup 1 \
  --json "$out/strategies.json" --charts "$out/charts"

if [ "$docs" = "--docs" ]; then
  mkdir -p docs/img
  for f in throughput latency memory; do cp "$out/demo/$f.png" "docs/img/demo-$f.png"; done
  for f in max-throughput-throughput latency-at-rate-200000-latency overload-memory burst-throughput \
           many-connections-throughput; do
    cp "$out/charts/$f.png" docs/img/
  done
  # The rung at half of NATS core's maximum is named by its rate, which each run measures anew.
  half=$(ls "$out/charts/"latency-at-rate-*-latency.png | grep -v -E -- '-(20000|100000|200000|500000)-latency' | head -1)
  [ -n "$half" ] && cp "$half" docs/img/latency-at-rate-half-nats-latency.png
fi
bench/scripts/suite-tables.py "$out" > "$out/tables.md"
echo "results in $out (Markdown tables: $out/tables.md)"
