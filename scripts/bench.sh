#!/usr/bin/env bash
# The performance benchmark of issue 10, in one command, on loopback:
#
#   scripts/bench.sh
#
# 1. the ceilings of this machine: a bare actix-web handler (examples/bench_bare.rs) and raw
#    single-row durable inserts into SQLite and PostgreSQL (examples/bench_inserts.rs);
# 2. Kassa on SQLite and on PostgreSQL: TopHamyon check_payment, create_payment, RasmiyPay
#    create (form POST), get_payments at a few thousand and at 1 M orders in the shop (wrk with
#    the Lua scripts in bench/), the expiry sweep of 100 k overdue orders and ingest-and-settle
#    of 10 k notifications (examples/bench_store.rs);
# 3. writes docs/performance.md: the machine, the commit, the command and the table.
#
# Needs a Rust toolchain; installs wrk with apt-get when it is missing. PostgreSQL runs need a
# local server (KASSA_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test, a user
# that may create databases) and psql; without them they are skipped and the table says so.
#
# Settings (environment): BENCH_SECONDS (each wrk run and raw-insert run, default 4),
# BENCH_CONCURRENCY (wrk connections and raw-insert threads, default 16), BENCH_MAX_LOAD /
# BENCH_WAIT (wait up to BENCH_WAIT seconds, default 60, for the 1-minute load average to fall
# below BENCH_MAX_LOAD, default 1.0, before measuring), BENCH_OUT (default
# docs/performance.md), CARGO_TARGET_DIR (default target/), BENCH_PORT (default 18080).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
export BENCH_DIR="$ROOT/bench"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SECS=${BENCH_SECONDS:-4}
CONC=${BENCH_CONCURRENCY:-16}
MAX_LOAD=${BENCH_MAX_LOAD:-1.0}
WAIT=${BENCH_WAIT:-60}
OUT=${BENCH_OUT:-$ROOT/docs/performance.md}
PORT=${BENCH_PORT:-18080}
PG_URL=${KASSA_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_BASE=${PG_URL%/*}
GET_PAYMENTS_ORDERS=1000000
OVERDUE=100000
# Pending orders not yet due beside the overdue ones: the sweep must not pay for them.
WAITING=400000
INGEST=10000
COMMAND="scripts/bench.sh"
[ -n "${BENCH_SECONDS:-}${BENCH_CONCURRENCY:-}" ] &&
    COMMAND="BENCH_SECONDS=$SECS BENCH_CONCURRENCY=$CONC scripts/bench.sh"
STARTED=$(date +%s)

WORK=$(mktemp -d /tmp/kassa-bench.XXXXXX)
RESULTS="$WORK/results.txt"
: >"$RESULTS"
SERVER_PID=""
PG_DBS=()

log() { printf '[bench %4ss] %s\n' "$(($(date +%s) - STARTED))" "$*" >&2; }

cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    for db in "${PG_DBS[@]+"${PG_DBS[@]}"}"; do
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# ---- tools and build -------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    log "installing wrk"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
log "building (release) into $TARGET"
CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet --bin kassa \
    --example bench_bare --example bench_inserts --example bench_store
BUILT=$(date +%s)
BIN="$TARGET/release"
KASSA="$BIN/kassa"
STORE="$BIN/examples/bench_store"

PG_OK=0
if command -v psql >/dev/null && psql -qAt "$PG_URL" -c "SELECT 1" >/dev/null 2>&1; then
    PG_OK=1
else
    log "PostgreSQL at $PG_URL not reachable (or no psql): PostgreSQL runs skipped"
fi

# ---- helpers ---------------------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }

wait_quiet() {
    local waited=0
    while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }'; do
        if [ "$waited" -ge "$WAIT" ]; then
            log "load $(load1) still >= $MAX_LOAD after ${WAIT}s: measuring anyway"
            return
        fi
        [ "$waited" -eq 0 ] && log "waiting for the 1-minute load ($(load1)) to fall below $MAX_LOAD"
        sleep 10
        waited=$((waited + 10))
    done
}

pg_create() { # name -> url
    psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1
    psql -q "$PG_URL" -c "CREATE DATABASE $1" >/dev/null
    PG_DBS+=("$1")
    echo "$PG_BASE/$1"
}

pg_drop() { psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1; }

wait_port() {
    for _ in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
        if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    log "server did not come up on port $PORT"
    [ -f "$WORK/server.log" ] && tail -20 "$WORK/server.log" >&2
    exit 1
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# record NAME KEY=VALUE... : a result line of our own
record() { echo "RESULT name=$*" >>"$RESULTS"; }

# get NAME FIELD -> the value, or empty
get() {
    awk -v n="$1" -v f="$2" '$1 == "RESULT" {
        delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
        if (kv["name"] == n && (f in kv)) v = kv[f] } END { if (v != "") print v }' "$RESULTS"
}

# wrk_run NAME SCRIPT CONNECTIONS [DELAY_MS] : one wrk run against the server on $PORT
wrk_run() {
    local name=$1 script=$2 conns=$3 delay=${4:-0} threads=2
    [ "$conns" -lt 2 ] && threads=1
    local out
    out=$(BENCH_NAME="$name" BENCH_DELAY_MS="$delay" wrk -t"$threads" -c"$conns" -d"${SECS}s" \
        --timeout 10s -s "$BENCH_DIR/$script" "http://127.0.0.1:$PORT/" 2>&1) || {
        echo "$out" >&2
        exit 1
    }
    echo "$out" | grep '^RESULT' | sed "s/\$/ conns=$conns delay_ms=$delay load=$(load1)/" >>"$RESULTS"
    local first
    first=$(echo "$out" | grep '^FIRST_FAILURE' || true)
    [ -n "$first" ] && log "$name: $first"
    log "$(echo "$out" | grep '^RESULT')"
}

# peak_and_half NAME SCRIPT : the peak run, then the half-rate run. wrk has no constant-rate
# mode (wrk2 has): the half-rate run gives each connection a fixed pause of 10 ms before each
# request (closed loop) and as many connections as make half the peak rate; when the rate
# reached is off by more than 20 %, the connections are scaled once and the run repeated. The
# rate reached is reported beside its p99.
peak_and_half() {
    local name=$1 script=$2
    wrk_run "$name" "$script" "$CONC"
    local rps conns delay got
    rps=$(get "$name" rps)
    conns=$(awk -v r="$rps" 'BEGIN { c = int(r / 2 / 100 + 0.5); if (c < 1) c = 1; print c }')
    delay=10
    if [ "$conns" -eq 1 ]; then
        delay=$(awk -v r="$rps" 'BEGIN { d = int(2000 / (r > 0 ? r : 1)); if (d < 1) d = 1; print d }')
    fi
    wrk_run "${name}_half" "$script" "$conns" "$delay"
    got=$(get "${name}_half" rps)
    conns=$(awk -v r="$rps" -v g="$got" -v c="$conns" 'BEGIN {
        t = r / 2; if (g > 0 && (g < 0.8 * t || g > 1.2 * t)) { n = int(c * t / g + 0.5); if (n < 1) n = 1;
        if (n != c) print n } }')
    if [ -n "$conns" ] && [ "$delay" = 10 ]; then
        wrk_run "${name}_half" "$script" "$conns" "$delay"
    fi
}

# ---- 1. ceilings -----------------------------------------------------------------------------
wait_quiet
LOAD_START=$(load1)
log "ceiling: bare actix-web"
"$BIN/examples/bench_bare" "127.0.0.1:$PORT" &
SERVER_PID=$!
wait_port
peak_and_half bare bare.lua
stop_server

log "ceiling: raw inserts, SQLite"
"$BIN/examples/bench_inserts" --url "$WORK/raw.db" --seconds "$SECS" --concurrency "$CONC" \
    | grep '^RESULT' >>"$RESULTS"
if [ "$PG_OK" = 1 ]; then
    log "ceiling: raw inserts, PostgreSQL"
    url=$(pg_create "kassa_bench_raw_$$")
    "$BIN/examples/bench_inserts" --url "$url" --seconds "$SECS" --concurrency "$CONC" \
        | grep '^RESULT' >>"$RESULTS"
    pg_drop "kassa_bench_raw_$$"
fi

# ---- 2. Kassa --------------------------------------------------------------------------------
kassa_runs() { # backend url
    local b=$1 url=$2
    log "kassa on $b: serving"
    DATABASE_URL="$url" KASSA_SECRET="bench-secret-not-a-real-one" RUST_LOG=info \
        "$KASSA" serve --demo --listen "127.0.0.1:$PORT" --tick 1h 2>"$WORK/server.log" &
    SERVER_PID=$!
    wait_port
    peak_and_half "${b}_create" create_payment.lua
    peak_and_half "${b}_rcreate" rasmiy_create.lua
    local line total
    line=$("$STORE" codes --url "$url" --shop 101 --n 1000 --out "$WORK/codes.txt" 2>&1)
    total=$(echo "$line" | awk '{ print $4 }')
    export BENCH_CODES="$WORK/codes.txt"
    peak_and_half "${b}_check" check_payment.lua
    BENCH_TOTAL=$total wrk_run "${b}_pages_small" get_payments.lua "$CONC"
    record "${b}_pages_small_total" "n=$total"
    log "kassa on $b: seeding the shop to $GET_PAYMENTS_ORDERS orders ($OVERDUE overdue, $WAITING pending)"
    "$STORE" seed --url "$url" --shop 101 --orders $((GET_PAYMENTS_ORDERS - total)) \
        --overdue "$OVERDUE" --pending "$WAITING" --card 9860100123451393 | grep '^RESULT' | sed "s/name=seed/name=${b}_seed/" >>"$RESULTS"
    export BENCH_TOTAL=$GET_PAYMENTS_ORDERS
    peak_and_half "${b}_pages" get_payments.lua
    record "${b}_rss" "kb=$(awk '/VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")"
    stop_server
    log "kassa on $b: the sweep of $OVERDUE overdue orders among $GET_PAYMENTS_ORDERS ($WAITING pending)"
    "$STORE" sweep --url "$url" --expect "$OVERDUE" --name "${b}_sweep_1m" | grep '^RESULT' >>"$RESULTS"
}

sweep_small() { # backend url
    log "kassa on $1: the sweep of $OVERDUE overdue orders alone"
    "$STORE" sweep --url "$2" --overdue "$OVERDUE" --name "${1}_sweep_small" | grep '^RESULT' >>"$RESULTS"
}

ingest() { # backend url
    log "kassa on $1: ingest-and-settle of $INGEST notifications"
    "$STORE" ingest --url "$2" --n "$INGEST" | grep '^RESULT' | sed "s/name=ingest/name=${1}_ingest/" >>"$RESULTS"
}

wait_quiet
kassa_runs sqlite "$WORK/kassa.db"
sweep_small sqlite "$WORK/sweep.db"
ingest sqlite "$WORK/ingest.db"
if [ "$PG_OK" = 1 ]; then
    wait_quiet
    kassa_runs postgres "$(pg_create "kassa_bench_$$")"
    pg_drop "kassa_bench_$$"
    sweep_small postgres "$(pg_create "kassa_bench_sweep_$$")"
    pg_drop "kassa_bench_sweep_$$"
    ingest postgres "$(pg_create "kassa_bench_ingest_$$")"
    pg_drop "kassa_bench_ingest_$$"
fi
LOAD_END=$(load1)

# ---- 3. the table ----------------------------------------------------------------------------
f1() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else printf "%.0f", x }'; }
f2() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else printf "%.2f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "–"; else printf "%.2f", a / b }'; }
maxof() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") print b; else if (b == "" || a >= b) print a; else print b }'; }
verdict() { # value op target
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
        if (v == "–" || v == "") { print "–"; exit }
        ok = (op == ">=") ? (v >= t) : (v < t); print (ok ? "yes" : "**no**") }'
}

BARE=$(get bare rps)
ROWS=()
row() { ROWS+=("$*"); }

http_row() { # label name ceiling ceiling_label target
    local label=$1 name=$2 ceil=$3 ceil_label=$4 target=$5
    local rps p50 p99 hp99 hrps r
    rps=$(get "$name" rps)
    [ -z "$rps" ] && return
    p50=$(get "$name" p50_ms)
    p99=$(get "$name" p99_ms)
    hp99=$(get "${name}_half" p99_ms)
    hrps=$(get "${name}_half" rps)
    r=$(ratio "$rps" "$ceil")
    row "| $label | $(f1 "$rps") | $(f2 "$p50") | $(f2 "$p99") | $ceil_label $(f1 "$ceil") | $r | ≥ $target: $(verdict "$r" ">=" "$target") | $(f2 "$hp99") at $(f1 "$hrps")/s: $(verdict "$(f2 "$hp99")" "<" 10) |"
}

row "| bare actix-web (ceiling) | $(f1 "$BARE") | $(f2 "$(get bare p50_ms)") | $(f2 "$(get bare p99_ms)") | | | | $(f2 "$(get bare_half p99_ms)") at $(f1 "$(get bare_half rps)")/s |"
for b in sqlite postgres; do
    seq=$(get "raw_${b}_seq" rps)
    par=$(get "raw_${b}_c$CONC" rps)
    [ -z "$seq" ] && continue
    row "| raw insert, $b, 1 thread (ceiling) | $(f1 "$seq") | $(f2 "$(get "raw_${b}_seq" p50_ms)") | $(f2 "$(get "raw_${b}_seq" p99_ms)") | | | | |"
    row "| raw insert, $b, $CONC threads (ceiling) | $(f1 "$par") | $(f2 "$(get "raw_${b}_c$CONC" p50_ms)") | $(f2 "$(get "raw_${b}_c$CONC" p99_ms)") | | | | |"
done
for b in sqlite postgres; do
    [ -z "$(get "${b}_create" rps)" ] && continue
    raw=$(maxof "$(get "raw_${b}_seq" rps)" "$(get "raw_${b}_c$CONC" rps)")
    wtarget=1.0
    [ "$b" = postgres ] && wtarget=0.8
    http_row "$b: TopHamyon check_payment" "${b}_check" "$BARE" "bare" 0.6
    http_row "$b: TopHamyon create_payment" "${b}_create" "$raw" "raw insert" "$wtarget"
    http_row "$b: RasmiyPay create (form POST)" "${b}_rcreate" "$raw" "raw insert" "$wtarget"
    http_row "$b: get_payments, $(get "${b}_pages_small_total" n) orders" "${b}_pages_small" "$BARE" "bare" 0.6
    http_row "$b: get_payments, 1 M orders" "${b}_pages" "$BARE" "bare" 0.6
    small=$(get "${b}_pages_small" rps)
    big=$(get "${b}_pages" rps)
    g=$(ratio "$big" "$small")
    row "| $b: get_payments 1 M ÷ small table | | | | | $g | ≥ 0.8: $(verdict "$g" ">=" 0.8) | |"
    s1=$(get "${b}_sweep_1m" rps)
    s0=$(get "${b}_sweep_small" rps)
    g=$(ratio "$s1" "$s0")
    row "| $b: expiry sweep, 100 k overdue among 1 M, 400 k pending (orders/s) | $(f1 "$s1") | | | sweep of 100 k alone $(f1 "$s0") | $g | ≥ 0.8: $(verdict "$g" ">=" 0.8) | |"
    ing=$(get "${b}_ingest" rps)
    seq=$(get "raw_${b}_seq" rps)
    row "| $b: ingest-and-settle, 10 k notifications (notifications/s) | $(f1 "$ing") | | | raw insert, 1 thread $(f1 "$seq") | $(ratio "$ing" "$seq") | | |"
    kb=$(get "${b}_rss" kb)
    mb=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
    row "| $b: server peak RSS (VmHWM) after all its runs, MB | $mb | | | | | < 100: $(verdict "$mb" "<" 100) | |"
done

NOTES_MARK='<!-- Everything below this line is kept by scripts/bench.sh. -->'
NOTES=""
if [ -f "$OUT" ] && grep -qF "$NOTES_MARK" "$OUT"; then
    NOTES=$(sed -n "/$(printf '%s' "$NOTES_MARK" | sed 's/[][\/.*^$]/\\&/g')/,\$p" "$OUT" | tail -n +2)
fi
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=""
git diff --quiet HEAD -- crates src migrations Cargo.toml 2>/dev/null || DIRTY=" (with uncommitted changes)"
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
ELAPSED=$(($(date +%s) - STARTED))
mkdir -p "$(dirname "$OUT")"
{
    echo "# Performance"
    echo
    echo "Measured by \`$COMMAND\` (issue 10) on $(date -u +%Y-%m-%d) at commit \`$COMMIT\`$DIRTY, in ${ELAPSED} s"
    echo "($((BUILT - STARTED)) s of them building, $((STARTED + ELAPSED - BUILT)) s measuring)."
    echo "Machine: $(nproc) cores ($CPU), $MEM memory, $(uname -sr). 1-minute load average:"
    echo "$LOAD_START at the start of the measurements, $LOAD_END at the end (other work on the machine"
    echo "disturbs absolute figures; the ratios are taken in the same run and are steadier)."
    echo
    echo "Each HTTP run is \`wrk -t2 -c$CONC -d${SECS}s\` on loopback against a release build, the server"
    echo "with its defaults (\`serve --demo\`, log level \`info\` to a file), a fresh database per backend"
    echo "(an SQLite temp file; a PostgreSQL database created and dropped). Latencies in ms. *Half rate*:"
    echo "wrk has no constant-rate mode, so that run gives each connection a 10 ms pause before every"
    echo "request and enough connections to make about half the peak rate; its p99 is beside the rate it"
    echo "reached (a closed loop: no coordinated-omission correction as wrk2 makes)."
    echo
    echo "| run | req/s | p50 | p99 | ceiling | ratio | target | p99 at half rate (< 10 ms) |"
    echo "|---|---:|---:|---:|---|---:|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Ceilings: reads against the bare actix-web handler (\`examples/bench_bare.rs\`); creates"
    echo "against the better of the raw-insert rates of their backend (\`examples/bench_inserts.rs\`: one"
    echo "row per transaction, SQLite in WAL with \`synchronous=FULL\`, PostgreSQL with its defaults,"
    echo "from 1 thread and from $CONC). \`get_payments\` pages are 10 orders at offsets spread uniformly over"
    echo "the shop's orders. The sweep (\`Payments::expire_overdue\`) and ingest"
    echo "(\`Payments::ingest_notifications\`) run in process (\`examples/bench_store.rs\`); the sweep among"
    echo "1 M orders ($WAITING of them pending, not yet due) is compared with the same sweep in a table holding only the overdue orders."
    echo
    echo "Raw results:"
    echo
    echo '```'
    cat "$RESULTS"
    echo '```'
    echo
    echo "$NOTES_MARK"
    [ -n "$NOTES" ] && printf '%s\n' "$NOTES"
} >"$OUT"
log "wrote $OUT"
printf '%s\n' "${ROWS[@]}"
