#!/usr/bin/env bash
# Public pages under load: `sunlight serve --demo` (release build) against nginx
# serving the same rendered HTML as static files, with the same wrk command, then a
# 60 s run recording the server's resident memory every 5 s.
#
#   cargo build --release && scripts/bench-public.sh
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light). Everything runs on
# 127.0.0.1 and stops by itself; the demo database lives in a temporary directory.
# Settings: DURATION (default 30s), CONNECTIONS (256), THREADS (2), SOAK (60, seconds),
# SUNLIGHT_BIN (default: the release binary under CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-256}
THREADS=${THREADS:-2}
SOAK=${SOAK:-60}
BIN=${SUNLIGHT_BIN:-${CARGO_TARGET_DIR:-target}/release/sunlight}
PAGES=("/" "/catalogue/1")

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-public: $tool is missing (apt-get install wrk nginx-light curl)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench-public: no release binary at $BIN (cargo build --release)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d)
chmod 755 "$WORK"
APP_PORT=$(free_port)
NGINX_PORT=$(free_port)
APP_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null
  [ -f "$WORK/nginx.pid" ] && nginx -p "$WORK" -c "$WORK/nginx.conf" -s quit 2>/dev/null
  sleep 0.5
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== machine"
echo "cpus: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')  kernel: $(uname -r)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (wrk and the servers share the machine)"

echo "== starting sunlight (demo county, SQLite) on 127.0.0.1:$APP_PORT"
"$BIN" --data-dir "$WORK/data" serve --demo --bind "127.0.0.1:$APP_PORT" >"$WORK/sunlight.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/sunlight.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null || { echo "sunlight did not start" >&2; exit 1; }

# The same bytes for nginx: each page as sunlight renders it (Chinese, uncompressed,
# as wrk asks without Accept-Encoding).
mkdir -p "$WORK/www/catalogue"
curl -fs "http://127.0.0.1:$APP_PORT/" -o "$WORK/www/index.html"
curl -fs "http://127.0.0.1:$APP_PORT/catalogue/1" -o "$WORK/www/catalogue/1"
chmod -R a+rX "$WORK/www"
cat >"$WORK/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type text/html;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    index index.html;
  }
}
EOF
nginx -p "$WORK" -c "$WORK/nginx.conf"
for page in "${PAGES[@]}"; do
  a=$(curl -fs "http://127.0.0.1:$APP_PORT$page" | wc -c)
  b=$(curl -fs "http://127.0.0.1:$NGINX_PORT$page" | wc -c)
  echo "page $page: sunlight $a bytes, nginx $b bytes"
done

# "Requests/sec" and the 99% latency of one wrk run, as "rps p99".
run_wrk() {
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --latency "$2")
  local rps p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)
  echo "$rps $p99 ${errors}"
}

echo "== warm-up (5 s per page: fills sunlight's page cache)"
for page in "${PAGES[@]}"; do wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "http://127.0.0.1:$APP_PORT$page" >/dev/null; done

echo "== runs"
printf '%-14s %-9s %12s %10s   %s\n' page server req/s p99 notes
declare -A RPS
for page in "${PAGES[@]}"; do
  for server in sunlight nginx; do
    port=$APP_PORT; [ "$server" = nginx ] && port=$NGINX_PORT
    echo "   (load before: $(cut -d' ' -f1 /proc/loadavg))" >&2
    read -r rps p99 notes <<<"$(run_wrk "$DURATION" "http://127.0.0.1:$port$page")"
    RPS["$page $server"]=$rps
    printf '%-14s %-9s %12s %10s   %s\n' "$page" "$server" "$rps" "$p99" "$notes"
  done
done
for page in "${PAGES[@]}"; do
  awk -v p="$page" -v s="${RPS["$page sunlight"]}" -v n="${RPS["$page nginx"]}" \
    'BEGIN { printf "ratio %s: sunlight / nginx = %.2f\n", p, s / n }'
done

echo "== memory over a ${SOAK} s run on / (resident set of the server, every 5 s)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SOAK}s" --latency "http://127.0.0.1:$APP_PORT/" >"$WORK/soak.txt" &
WRK_PID=$!
samples=()
for i in $(seq 0 5 "$SOAK"); do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$APP_PID/status")
  samples+=("$((rss / 1024))")
  printf 't=%3ss rss=%s MiB\n' "$i" "$((rss / 1024))"
  [ "$i" -lt "$SOAK" ] && sleep 5
done
wait "$WRK_PID"
echo "soak: $(awk '/^Requests\/sec:/ {print $2}' "$WORK/soak.txt") req/s, p99 $(awk '$1 == "99%" {print $2}' "$WORK/soak.txt")"
min=${samples[0]}; max=${samples[0]}
for s in "${samples[@]}"; do ((s < min)) && min=$s; ((s > max)) && max=$s; done
echo "rss min ${min} MiB, max ${max} MiB over ${#samples[@]} samples"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
