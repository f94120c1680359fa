#!/usr/bin/env bash
# Time of `authsift merge` over many partial summaries: the cost of the
# monoid at scale (reading, checking and merging N partials, then resolving
# the sequence state and writing the outputs).
#
#   benches/merge_many.sh                  # 1,000 partials, best of 3
#   benches/merge_many.sh --count 200 --runs 5
#
# It builds the release binary (unless --no-build), generates N small,
# deterministic combined logs (consecutive minutes of one day: successes
# and failures of rotating API keys, handshake legs whose retry is in the
# next file, placeholders, missing credentials), writes one partial per log
# with `authsift analyze --partial`, then times `authsift merge` over all of
# them (wall clock, best of --runs) and prints the seconds. Needs bash and
# coreutils only. Inputs go to a temporary directory, removed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COUNT=1000
RUNS=3
BUILD=1
BIN=${AUTHSIFT_BIN:-}

usage() {
    cat <<EOF
usage: benches/merge_many.sh [options]
  --count N     partial summaries to merge (default $COUNT; at most 1440)
  --runs N      timed merges, the best counts (default $RUNS)
  --no-build    use the binary as it is (target/release/authsift, or \$AUTHSIFT_BIN)
EOF
}

while [ $# -gt 0 ]; do
    case $1 in
        --count) COUNT=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --no-build) BUILD=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "merge_many.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ "$COUNT" -lt 1 ] || [ "$COUNT" -gt 1440 ]; then
    echo "merge_many.sh: --count must be between 1 and 1440 (one file per minute of a day)" >&2
    exit 2
fi

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ "$BUILD" = 1 ]; then
    (cd "$ROOT" && cargo build --release --quiet)
fi
BIN=${BIN:-$TARGET/release/authsift}
[ -x "$BIN" ] || { echo "merge_many.sh: no binary at $BIN" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authsift-merge-many.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[ -n "${AUTHSIFT_KEEP_BENCH:-}" ] && trap 'echo "kept $WORK" >&2' EXIT

# One combined log per minute of 2024-06-03: file i covers minute i.
UA='Mozilla/5.0 (X11; Linux x86_64) bench/1'
gen() {
    local i=$1 h m s n c key next
    h=$((i / 60)); m=$((i % 60))
    for n in 0 1 2 3 4 5 6 7 8 9; do
        s=$((n * 5 + 2))
        c=$(((i * 7 + n) % 200))
        key=$(((i + n) % 40))
        next=$(((i + n + 1) % 40))
        printf -v t '03/Jun/2024:%02d:%02d:%02d +0000' "$h" "$m" "$s"
        # a key that works, another that fails (transient or revoked across files)
        printf '10.1.%d.%d - - [%s] "GET /v1/items/%d?api_key=bk_%03d_tenant HTTP/1.1" 200 512 "-" "%s"\n' \
            $((c / 250)) $((c % 250)) "$t" "$n" "$key" "$UA"
        printf '10.1.%d.%d - - [%s] "GET /v1/items/%d?api_key=bk_%03d_tenant HTTP/1.1" 401 64 "-" "%s"\n' \
            $((c / 250)) $((c % 250)) "$t" "$n" "$next" "$UA"
        # no credential, a placeholder, an access token that never works
        printf '10.2.0.%d - - [%s] "GET /v1/session HTTP/1.1" 401 64 "-" "%s"\n' "$((n + 1))" "$t" "$UA"
        printf '10.3.0.%d - - [%s] "GET /v2/charges?api_key=YOUR_API_KEY HTTP/1.1" 401 64 "-" "%s"\n' \
            "$((n + 1))" "$t" "$UA"
        printf '10.4.%d.%d - - [%s] "GET /v1/me?access_token=at_%05d_bad HTTP/1.1" 401 64 "-" "%s"\n' \
            $((i / 250)) $((i % 250 + 1)) "$t" "$i" "$UA"
    done
    # a handshake leg at the very end of the minute: its retry opens the next file
    printf '10.5.0.1 - - [03/Jun/2024:%02d:%02d:59 +0000] "GET /intranet/reports HTTP/1.1" 401 1293 "-" "%s"\n' \
        "$h" "$m" "$UA"
    if [ "$i" -gt 0 ]; then
        printf '10.5.0.1 - jdoe [03/Jun/2024:%02d:%02d:00 +0000] "GET /intranet/reports HTTP/1.1" 200 2048 "-" "%s"\n' \
            "$h" "$m" "$UA"
    fi
}

echo "generating $COUNT logs and partial summaries in $WORK ..." >&2
start=$(date +%s%N)
for ((i = 0; i < COUNT; i++)); do
    printf -v name 'minute-%04d.log' "$i"
    gen "$i" > "$WORK/$name"
done
# one analyze per log, two at a time
(cd "$WORK" && ls minute-*.log | xargs -P 2 -I{} "$BIN" analyze -j 1 --quiet --format combined {} --partial {}.partial.json)
end=$(date +%s%N)
partials=("$WORK"/minute-*.log.partial.json)
bytes=$(cat "${partials[@]}" | wc -c)
printf 'made %d partials (%d bytes in all) in %d.%01d s\n' "${#partials[@]}" "$bytes" \
    $(((end - start) / 1000000000)) $(((end - start) / 100000000 % 10)) >&2

best=
for ((r = 1; r <= RUNS; r++)); do
    rm -rf "$WORK/out"
    t0=$(date +%s%N)
    (cd "$WORK" && "$BIN" merge --quiet --out out minute-*.log.partial.json)
    t1=$(date +%s%N)
    ns=$((t1 - t0))
    if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
    printf 'run %d: %d.%03d s\n' "$r" $((ns / 1000000000)) $((ns / 1000000 % 1000)) >&2
done

status_401=$(sed -n 's/^ *"status_401": *\([0-9]*\).*/\1/p' "$WORK/out/summary.json" | head -n 1)
printf 'merge of %d partial summaries (%d 401s): %d.%03d s (best of %d)\n' \
    "${#partials[@]}" "$status_401" $((best / 1000000000)) $((best / 1000000 % 1000)) "$RUNS"
