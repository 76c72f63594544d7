#!/usr/bin/env bash
# End-to-end latency, Hypnos (hypnos store + hypnos query, separate JVMs, FILESYSTEM bucket) vs
# Prometheus 2.42 (/usr/bin/prometheus) on the same promtool-made blocks: see QueryVsPrometheus.
# Usage: bench/query-vs-prometheus.sh [ROUNDS] [WARMUP_ROUNDS]   (default 30 and 300)
# The warm-up rounds let the JVMs compile the query path (a querier in service is long-running);
# with a handful of warm-up rounds the figures describe a cold JVM instead.
# Needs prometheus and promtool (Debian package `prometheus`). Everything listens on 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ "${SKIP_BUILD:-}" != "1" ]; then
  ./build -B -q -pl bench,cli -am package -DskipTests
fi
java_home=$(bin/find-jdk)
# NICE=-15 (as root) runs the benchmark, Prometheus and both Hypnos JVMs at that priority, so that
# other work on a shared machine does not interleave with the measured requests (both sides alike).
nice_cmd=()
if [ -n "${NICE:-}" ]; then
  nice_cmd=(nice -n "$NICE")
fi
exec "${nice_cmd[@]}" "$java_home/bin/java" -cp bench/target/benchmarks.jar dev.hypnos.bench.QueryVsPrometheus \
  "$root/cli/target/hypnos.jar" "${1:-30}" "${2:-300}"
