#!/usr/bin/env bash
# End-to-end speed of authsift against common tools on the same files: the
# script behind the README's performance figures.
#
#   benches/compare.sh                 # HAR 1024 MB, combined log 2048 MB, Caddy log 512 MB
#   benches/compare.sh --quick         # ~100 MB each
#   benches/compare.sh --compressed    # also the combined log as .gz, .zst, frames, parts
#   benches/compare.sh --cold          # also each file cold, against cat (needs root)
#   benches/compare.sh --cold --throttle 1G,2G   # and with reads capped at 1 and 2 GB/s
#   benches/compare.sh --har-mb 512 --log-mb 0 --jsonl-mb 0 -j 4 --runs 5
#
# It builds the release binary, generates deterministic inputs with
# benches/gen_inputs.py into a git-ignored folder (reused while the
# generator is unchanged), reads each file once to warm the page cache,
# then times each tool best-of-N (wall clock) and reports size, seconds,
# GB/s, peak RSS, the 401 count each tool found, and the time ratio
# authsift/peer (below 1: authsift is faster). Peers: jq and wiretrail on
# the HAR; mawk, grep, rg and GoAccess on the combined log; jq, grep and rg
# on the Caddy log; zcat and zstd on the compressed logs. Peers that are
# not installed are skipped with a note. Needs bash, python3 and
# coreutils; everything else is optional (GNU time, /usr/bin/time, for
# peak RSS; gzip and zstd for --compressed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${AUTHSIFT_BENCH_DATA:-$ROOT/target/bench-data}
HAR_MB=1024
LOG_MB=2048
JSONL_MB=512
SEED=1
RUNS=3
THREADS=
BUILD=1
COMPRESSED=0
COLD=0
THROTTLE=

usage() {
    cat <<EOF
usage: benches/compare.sh [options]
  --quick          HAR, combined and Caddy logs of ~100 MB each (a quick check)
  --har-mb N       size of the HAR capture in MiB (default $HAR_MB; 0 skips it)
  --log-mb N       size of the combined log in MiB (default $LOG_MB; 0 skips it)
  --jsonl-mb N     size of the Caddy JSON-lines log in MiB (default $JSONL_MB; 0 skips it)
  --compressed     also the combined log compressed: one .gz against zcat, one
                   .zst (one frame) and one of 8 frames against zstd -dc, and
                   4 .gz parts analysed together against zcat of the 4
                   (--gzip: the same)
  --cold           also each file with the page cache dropped before every run
                   (root only: /proc/sys/vm/drop_caches), authsift against
                   cat > /dev/null, alternated, medians of --runs rounds
  --throttle LIST  with --cold, the cold rounds again with the reads of the
                   inputs' disk capped at each rate of LIST (bytes per second,
                   K/M/G suffixes of 10^3: 500M,1G,2G), as a disk of that speed
                   would give them (root only: a cgroup's blkio or io limit)
  -j, --threads N  authsift worker threads (default: all cores)
  --runs N         timed runs per tool, the best counts (default $RUNS); with
                   --cold also the cold rounds, whose median counts
  --seed S         generator seed (default $SEED)
  --data DIR       where inputs go (default target/bench-data, or \$AUTHSIFT_BENCH_DATA)
  --no-build       use target/release/authsift as it is (\$CARGO_TARGET_DIR/release/… when set)
EOF
}

while [ $# -gt 0 ]; do
    case $1 in
        --quick) HAR_MB=100; LOG_MB=100; JSONL_MB=100 ;;
        --har-mb) HAR_MB=$2; shift ;;
        --log-mb) LOG_MB=$2; shift ;;
        --jsonl-mb) JSONL_MB=$2; shift ;;
        --compressed|--gzip) COMPRESSED=1 ;;
        --cold) COLD=1 ;;
        --throttle) THROTTLE=$2; COLD=1; shift ;;
        -j|--threads) THREADS=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --seed) SEED=$2; shift ;;
        --data) DATA=$2; shift ;;
        --no-build) BUILD=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

for n in "$HAR_MB" "$LOG_MB" "$JSONL_MB" "$RUNS" "$SEED" ${THREADS:+"$THREADS"}; do
    case $n in ''|*[!0-9]*) echo "compare.sh: '$n' is not a whole number" >&2; exit 2 ;; esac
done
[ "$RUNS" -ge 1 ] || { echo "compare.sh: --runs must be at least 1" >&2; exit 2; }
# --throttle's rates, in bytes per second
RATES=()
if [ -n "$THROTTLE" ]; then
    IFS=, read -r -a rates <<< "$THROTTLE"
    for r in "${rates[@]}"; do
        case $r in
            ''|*[!0-9KMG]*|[KMG]*|*[KMG]?*) echo "compare.sh: '$r' is not a rate (bytes per second, K/M/G suffixes: 500M,1G)" >&2; exit 2 ;;
            *K) RATES+=($(( ${r%K} * 1000 ))) ;;
            *M) RATES+=($(( ${r%M} * 1000000 ))) ;;
            *G) RATES+=($(( ${r%G} * 1000000000 ))) ;;
            *) RATES+=("$r") ;;
        esac
    done
fi

have() { command -v "$1" >/dev/null 2>&1; }
have python3 || { echo "compare.sh: python3 is needed to generate the inputs" >&2; exit 2; }

GNU_TIME=
if [ -x /usr/bin/time ] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
    GNU_TIME=/usr/bin/time
fi

BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/authsift
if [ "$BUILD" = 1 ]; then
    echo "== building the release binary"
    (cd "$ROOT" && cargo build --release --quiet)
fi
[ -x "$BIN" ] || { echo "compare.sh: $BIN is missing (drop --no-build)" >&2; exit 2; }

mkdir -p "$DATA"
TMP=$(mktemp -d)
CGROUP=
trap 'rm -rf "$TMP"; [ -z "$CGROUP" ] || rmdir "$CGROUP" 2>/dev/null || true' EXIT

# gen KIND SIZE_MB FILE [FORMAT]: (re)generates FILE unless it is newer than the generator.
gen() {
    local kind=$1 mb=$2 file=$3 format=${4:-}
    if [ -s "$file" ] && [ "$file" -nt "$ROOT/benches/gen_inputs.py" ]; then
        echo "== reusing $file"
        return
    fi
    echo "== generating $file"
    if [ "$kind" = har ]; then
        python3 "$ROOT/benches/gen_inputs.py" har --size-mb "$mb" --seed "$SEED" -o "$file.part"
    else
        python3 "$ROOT/benches/gen_inputs.py" log --format "$format" --size-mb "$mb" --seed "$SEED" -o "$file.part"
    fi
    mv "$file.part" "$file"
}

mem_available_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0; }

warm() {
    local size_kb
    size_kb=$(( $(stat -c %s "$1") / 1024 ))
    if [ "$size_kb" -gt $(( $(mem_available_kb) / 2 )) ]; then
        echo "   note: $1 is large for the free memory; timings may include disk reads"
    fi
    cat "$1" > /dev/null
}

AUTHSIFT_SECS=
# measure NAME COUNT_KIND CMD: runs CMD (a shell command line) RUNS times and
# prints one table row. COUNT_KIND says how to read the 401 count from the
# command's stdout: "authsift" (summary JSON) or "number" (a count).
measure() {
    local name=$1 kind=$2 cmd=$3
    local best= best_rss= i t0 t1 secs rss count status
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s.%N)
        status=0
        if [ -n "$GNU_TIME" ]; then
            $GNU_TIME -f '%M' -o "$TMP/rss" bash -c "$cmd" > "$TMP/out" 2> "$TMP/err" || status=$?
        else
            bash -c "$cmd" > "$TMP/out" 2> "$TMP/err" || status=$?
        fi
        t1=$(date +%s.%N)
        if [ "$status" -ne 0 ]; then
            printf '   %-10s failed (exit %s): %s\n' "$name" "$status" "$(grep -v '^Command exited' "$TMP/err" | head -n 1)"
            if [ "$kind" = authsift ]; then AUTHSIFT_SECS=; fi
            return 0
        fi
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        rss=$( [ -n "$GNU_TIME" ] && tail -n 1 "$TMP/rss" || echo "")
        if [ -z "$best" ] || awk -v s="$secs" -v b="$best" 'BEGIN { exit !(s < b) }'; then
            best=$secs
            best_rss=$rss
        fi
    done
    if [ "$kind" = authsift ]; then
        count=$(python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["status_401"] if not t.get("failed_inputs") else "failed")' < "$TMP/out" 2>/dev/null || echo "?")
        if [ "$count" = failed ]; then
            printf '   %-10s the input failed: %s\n' "$name" "$(head -n 1 "$TMP/err")"
            AUTHSIFT_SECS=
            return
        fi
        AUTHSIFT_SECS=$best
        AUTHSIFT_COUNT=$count
    elif [ "$kind" = plain ]; then
        count="-"
    elif [ "$kind" = wiretrail ]; then
        # its auth failures, grouped by endpoint and status: the 401s summed
        count=$(python3 -c 'import json,sys; f=json.load(sys.stdin)["result"]["failures"]; print(sum(x["count"] for x in f if x["status"] == 401))' < "$TMP/out" 2>/dev/null || echo "?")
    elif [ "$kind" = goaccess ]; then
        # the 401 row of its status-code panel
        count=$(python3 -c 'import json,sys; d=json.load(sys.stdin)["status_codes"]["data"]; print(sum(i["hits"]["count"] for g in d for i in g.get("items", []) if i["data"].startswith("401")))' < "$TMP/out" 2>/dev/null || echo "?")
    else
        count=$(tr -d ' \n' < "$TMP/out")
    fi
    local ratio="-"
    if [ "$kind" != authsift ] && [ -n "$AUTHSIFT_SECS" ]; then
        ratio=$(awk -v a="$AUTHSIFT_SECS" -v p="$best" 'BEGIN { if (p > 0) printf "%.3f (%.1fx)", a / p, p / (a > 0 ? a : 0.001); else print "-" }')
        if [ "$count" != "$AUTHSIFT_COUNT" ] && [ "$kind" != plain ]; then
            count="$count (authsift: $AUTHSIFT_COUNT)"
        fi
    fi
    local gbs rss_mb
    gbs=$(awk -v b="$SIZE" -v s="$best" 'BEGIN { if (s > 0) printf "%.2f", b / s / 1e9; else print "-" }')
    rss_mb=$( [ -n "$best_rss" ] && awk -v k="$best_rss" 'BEGIN { printf "%.0f", k / 1024 }' || echo "n/a")
    printf '   %-10s %9s %8s %10s  %-14s %s\n' "$name" "$best" "$gbs" "$rss_mb" "$ratio" "$count"
}

header() {
    SIZE=$(stat -c %s "$1")
    echo
    printf '%s: %.1f MB (%s bytes), best of %s\n' "$(basename "$1")" "$(awk -v b="$SIZE" 'BEGIN { print b / 1e6 }')" "$SIZE" "$RUNS"
    columns
}

# header_compressed TITLE CONTENT_BYTES FILE...: GB/s of the content (the
# decompressed bytes), the compressed size named
header_compressed() {
    local title=$1 packed
    SIZE=$2
    shift 2
    packed=$(stat -c %s "$@" | awk '{ s += $1 } END { print s }')
    echo
    printf '%s: %.1f MB compressed, %.1f MB of content (GB/s: content), best of %s\n' "$title" \
        "$(awk -v b="$packed" 'BEGIN { print b / 1e6 }')" "$(awk -v b="$SIZE" 'BEGIN { print b / 1e6 }')" "$RUNS"
    columns
}

columns() {
    printf '   %-10s %9s %8s %10s  %-14s %s\n' tool seconds GB/s "RSS (MiB)" "authsift/peer" "401s"
}

skip() { printf '   %-10s skipped: %s\n' "$1" "$2"; }

drop_caches() { sync && echo 3 > /proc/sys/vm/drop_caches; }

# seconds CMD: runs CMD (a shell command line, output dropped) and prints its
# wall-clock seconds, or "failed"
seconds() {
    local t0 t1
    t0=$(date +%s.%N)
    bash -c "$1" > /dev/null 2>&1 || { echo failed; return; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# spread TIMES...: "median [min-max]"
spread() {
    printf '%s\n' "$@" | LC_ALL=C sort -g | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f [%.3f-%.3f]", m, v[1], v[NR] }'
}

# The cgroup --throttle caps reads in: CGROUP (its folder), CG_DEV (the
# whole disk under the inputs, major:minor) and CG_LIMIT (the file its rate
# is written to), set by throttle_setup, which says why when it cannot.
CG_DEV= CG_LIMIT= CG_V2=0
throttle_setup() {
    [ ${#RATES[@]} -gt 0 ] || return 0
    local dev
    dev=$(stat -c '%Hd:%Ld' "$DATA" 2>/dev/null) || dev=
    if [ -z "$dev" ] || [ ! -e "/sys/dev/block/$dev" ]; then
        echo "   note: --throttle: the inputs are not on a block device (${dev:-unknown}): no capped rounds"
        RATES=(); return 0
    fi
    # a partition's reads are capped on its disk
    [ -e "/sys/dev/block/$dev/partition" ] && dev=$(cat "/sys/dev/block/$dev/../dev")
    if [ -w /sys/fs/cgroup/blkio ] && [ -e /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device ]; then
        CGROUP=/sys/fs/cgroup/blkio/authsift-bench-$$
        CG_LIMIT=$CGROUP/blkio.throttle.read_bps_device
    elif [ -w /sys/fs/cgroup/cgroup.subtree_control ] && grep -qw io /sys/fs/cgroup/cgroup.controllers 2>/dev/null \
        && echo +io > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
        CGROUP=/sys/fs/cgroup/authsift-bench-$$
        CG_LIMIT=$CGROUP/io.max CG_V2=1
    else
        echo "   note: --throttle: no writable blkio (cgroup v1) or io (cgroup v2) controller (root only): no capped rounds"
        RATES=(); return 0
    fi
    if ! mkdir "$CGROUP" 2>/dev/null; then
        echo "   note: --throttle: cannot make the cgroup $CGROUP: no capped rounds"
        CGROUP= RATES=(); return 0
    fi
    CG_DEV=$dev
}

# throttle_rate BPS: caps the cgroup's reads of the disk at BPS bytes a second
throttle_rate() {
    if [ "$CG_V2" = 1 ]; then echo "$CG_DEV rbps=$1" > "$CG_LIMIT"; else echo "$CG_DEV $1" > "$CG_LIMIT"; fi
}

# cold_rounds FILE CMD [CGROUP]: prints "cat-median authsift-median", each
# "median [min-max]" joined by "|", of --runs rounds of `cat FILE >
# /dev/null` and CMD (authsift), each with the page cache dropped before it
# (and the authsift binary read back in, so that its loading is not timed),
# which of the two goes first alternating: the storage under a machine (and
# a virtual machine's host) varies from minute to minute, so only a ratio
# within the same rounds says much. In CGROUP, when given, both run in it.
# Prints "failed: ..." when a run failed.
cold_rounds() {
    local file=$1 cmd=$2 i c a cats=() runs=() in=
    [ -z "${3:-}" ] || in="echo \$\$ > '$3/cgroup.procs' && exec "
    for ((i = 0; i < RUNS; i++)); do
        if ((i % 2)); then
            drop_caches; cat "$BIN" > /dev/null; a=$(seconds "$in$cmd")
            drop_caches; c=$(seconds "${in}cat '$file' > /dev/null")
        else
            drop_caches; c=$(seconds "${in}cat '$file' > /dev/null")
            drop_caches; cat "$BIN" > /dev/null; a=$(seconds "$in$cmd")
        fi
        if [ "$a" = failed ] || [ "$c" = failed ]; then
            echo "failed: authsift: $a, cat: $c"
            return 0
        fi
        cats+=("$c") runs+=("$a")
    done
    echo "$(spread "${cats[@]}")|$(spread "${runs[@]}")"
}

# cold_row LABEL FILE RESULT: one table row of a cold_rounds result
cold_row() {
    local cm=${3%%|*} am=${3##*|} size
    size=$(stat -c %s "$2")
    printf '   %-24s cat %-22s authsift %-22s authsift/cat %s\n' "$1" "$cm" "$am" \
        "$(awk -v a="${am%% *}" -v c="${cm%% *}" 'BEGIN { printf "%.2f", a / c }')"
}

# cold FILE CMD: with --cold, cold_rounds of FILE, with the page cache as the
# machine's storage fills it and then, with --throttle, with reads capped at
# each rate. Leaves FILE cached again.
cold() {
    local file=$1 cmd=$2 r res size
    [ "$COLD" = 1 ] || return 0
    if ! drop_caches 2>/dev/null; then
        skip cold "the page cache cannot be dropped (root only: /proc/sys/vm/drop_caches)"
        return 0
    fi
    size=$(stat -c %s "$file")
    echo "   cold cache (dropped before every run), $RUNS alternated rounds, median [min-max] seconds; warm authsift ${AUTHSIFT_SECS:--}:"
    res=$(cold_rounds "$file" "$cmd")
    case $res in failed*) skip cold "a cold run failed (${res#failed: })" ;; *) cold_row "this machine's storage" "$file" "$res" ;; esac
    for r in "${RATES[@]}"; do
        throttle_rate "$r"
        res=$(cold_rounds "$file" "$cmd" "$CGROUP")
        case $res in
            failed*) skip cold "a capped run failed (${res#failed: })" ;;
            *) cold_row "reads capped at $(awk -v r="$r" 'BEGIN { printf "%g GB/s", r / 1e9 }')" "$file" "$res"
               awk -v s="$size" -v r="$r" 'BEGIN { printf "   %-24s (the file at the cap alone: %.3f s)\n", "", s / r }' ;;
        esac
    done
    warm "$file"
}

# compressed LOG: the log as one .gz (against zcat), one .zst of one frame
# (what zstd and zstd -T0 write) and one of 8 frames (what pzstd, or parts
# compressed and concatenated, give; against zstd -dc), and in 4 .gz parts
# analysed together (against zcat of the 4, one after the other).
compressed() {
    local log=$1 content gz zst frames
    content=$(stat -c %s "$log")
    gz=$log.gz zst=$log.zst frames=$log.8frames.zst
    fresh() { [ -s "$1" ] && [ "$1" -nt "$log" ]; }
    if have gzip; then
        fresh "$gz" || { echo "== compressing $gz"; gzip -6 -c "$log" > "$gz.part" && mv "$gz.part" "$gz"; }
        warm "$gz"
        header_compressed "$(basename "$gz")" "$content" "$gz"
        measure authsift authsift "$AUTHSIFT --format combined '$gz'"
        measure zcat plain "zcat '$gz' > /dev/null"
        local parts=$log.parts
        if [ ! -s "$parts/part-03.log.gz" ] || [ "$log" -nt "$parts/part-03.log.gz" ]; then
            echo "== splitting $log into 4 gzip parts"
            rm -rf "$parts" && mkdir -p "$parts"
            split -n l/4 -d --additional-suffix=.log --filter='gzip -6 > $FILE.gz' "$log" "$parts/part-"
        fi
        for f in "$parts"/part-0?.log.gz; do warm "$f"; done
        header_compressed "4 gzip parts of it, given together" "$content" "$parts"/part-0?.log.gz
        measure authsift authsift "$AUTHSIFT --format combined '$parts'/part-0?.log.gz"
        measure zcat plain "for f in '$parts'/part-0?.log.gz; do zcat \"\$f\"; done > /dev/null"
    else
        skip gzip "not installed: no .gz inputs"
    fi
    if have zstd; then
        fresh "$zst" || { echo "== compressing $zst"; zstd -q -3 -T0 -f -o "$zst" "$log"; }
        if ! fresh "$frames"; then
            echo "== compressing $frames (8 parts, each a frame, concatenated)"
            split -n l/8 --filter='zstd -q -3 -c' "$log" > "$frames.part" && mv "$frames.part" "$frames"
        fi
        for f in "$zst" "$frames"; do
            warm "$f"
            header_compressed "$(basename "$f")" "$content" "$f"
            measure authsift authsift "$AUTHSIFT --format combined '$f'"
            measure "zstd -dc" plain "zstd -q -dc '$f' > /dev/null"
        done
    else
        skip zstd "not installed: no .zst inputs"
    fi
}

J=${THREADS:+-j $THREADS}
AUTHSIFT="'$BIN' analyze --json --progress never -q $J"

echo "== machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; authsift threads: ${THREADS:-all cores}"
[ -n "$GNU_TIME" ] || echo "   note: GNU time (/usr/bin/time) not found: no peak RSS"
[ "$COLD" = 1 ] && throttle_setup

if [ "$HAR_MB" -gt 0 ]; then
    HAR=$DATA/har-${HAR_MB}m-s$SEED.har
    gen har "$HAR_MB" "$HAR"
    warm "$HAR"
    header "$HAR"
    measure authsift authsift "$AUTHSIFT '$HAR'"
    if ! have jq; then
        skip jq "not installed"
    elif [ $(( SIZE / 1024 * 5 )) -gt "$(mem_available_kb)" ]; then
        skip jq "it builds the whole document in memory (~3x the file with jq 1.6) and there is not enough free memory"
    else
        measure jq number "jq '[.log.entries[] | select(.response.status == 401)] | length' '$HAR'"
    fi
    # wiretrail (crates.io: cargo install wiretrail): a HAR analyser whose
    # `auth` command lists 401s and 403s by endpoint
    WT=${WIRETRAIL:-wiretrail}
    if have "$WT"; then
        # (its exit code is 1 when it found auth failures)
        measure wiretrail wiretrail "'$WT' '$HAR' auth --json --top 1000000000 || [ \$? -eq 1 ]"
    else
        skip wiretrail "not installed (cargo install wiretrail, or WIRETRAIL=path)"
    fi
    cold "$HAR" "$AUTHSIFT '$HAR'"
fi

if [ "$LOG_MB" -gt 0 ]; then
    LOG=$DATA/combined-${LOG_MB}m-s$SEED.log
    gen log "$LOG_MB" "$LOG" combined
    warm "$LOG"
    header "$LOG"
    measure authsift authsift "$AUTHSIFT --format combined '$LOG'"
    if have mawk; then measure mawk number "mawk '\$9 == 401' '$LOG' | wc -l"; else skip mawk "not installed"; fi
    if have rg; then measure rg number "rg -c '\" 401 ' '$LOG'"; else skip rg "not installed"; fi
    measure grep number "LC_ALL=C grep -c '\" 401 ' '$LOG'"
    if have goaccess; then
        # its parser threads (--jobs) came with GoAccess 1.8; older ones parse on one
        GA_JOBS=
        if goaccess --help 2>&1 | grep -q -- '--jobs'; then GA_JOBS="--jobs ${THREADS:-$(nproc)}"; fi
        [ -n "$GA_JOBS" ] || echo "   note: this GoAccess ($(goaccess --version 2>/dev/null | head -n 1 | sed 's/^GoAccess - //; s/\.$//')) has no --jobs: it parses on one thread"
        # timed once: it takes minutes on a large log
        echo "   note: GoAccess is timed once (not best of $RUNS)"
        RUNS=1 measure goaccess goaccess "goaccess '$LOG' --log-format=COMBINED --no-global-config $GA_JOBS -o json"
    else
        skip goaccess "not installed"
    fi
    cold "$LOG" "$AUTHSIFT --format combined '$LOG'"
    if [ "$COMPRESSED" = 1 ]; then
        compressed "$LOG"
    fi
fi

if [ "$JSONL_MB" -gt 0 ]; then
    JL=$DATA/caddy-${JSONL_MB}m-s$SEED.jsonl
    gen log "$JSONL_MB" "$JL" jsonl
    warm "$JL"
    header "$JL"
    measure authsift authsift "$AUTHSIFT --format caddy '$JL'"
    if have jq; then measure jq number "jq -c 'select(.status == 401) | 1' '$JL' | wc -l"; else skip jq "not installed"; fi
    if have rg; then measure rg number "rg -c '\"status\":401,' '$JL'"; else skip rg "not installed"; fi
    measure grep number "LC_ALL=C grep -c '\"status\":401,' '$JL'"
    cold "$JL" "$AUTHSIFT --format caddy '$JL'"
fi
echo
echo "authsift/peer is the time ratio (below 1: authsift is faster; the factor in brackets is peer/authsift)."
echo "GB/s uses 10^9 bytes; peak RSS is of the measured command's largest process."
echo "authsift memory-maps its inputs: a HAR's peak RSS includes the file's pages (shared page cache, not heap);"
echo "access logs give their pages back as they are read, so their peak RSS is mostly the summaries."
