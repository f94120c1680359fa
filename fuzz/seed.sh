#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the fixtures (copies made at run time, so
# no fixture is committed twice). Run from anywhere; existing corpus files
# (what earlier fuzzing found) are kept. The partial target's seeds are
# partial summaries of the fixtures, written by the authsift binary at
# $AUTHSIFT (default: target/debug/authsift, built by `cargo test`).
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$fuzz")"
fx="$root/fixtures"
corpus="$fuzz/corpus"
for t in har logs log_template challenge jwt path partial differential; do
  mkdir -p "$corpus/$t"
done

# HAR: every HAR fixture, the nasty ones included
for f in "$fx"/har/*.har "$fx"/nasty/*.har; do
  cp "$f" "$corpus/har/$(basename "$f")"
  # the differential target: selector byte 0 is HAR
  { printf '\x00'; cat "$f"; } > "$corpus/differential/har-$(basename "$f")"
done

# Logs: selector byte = index in fuzz_targets/common.rs LOG_FORMATS
# (0 combined, 1 common, 2 nginx, 3 apache, 4 jsonl, 5 caddy, 6 traefik,
# 7 envoy, 8 alb, 9 w3c, 10 iis, 11 cloudfront); the differential target
# adds one (0 is HAR there).
log_seed() { # index file
  local i=$1 f=$2 name
  name="$i-$(basename "$(dirname "$f")")-$(basename "$f")"
  { printf "\\x$(printf %02x "$i")"; cat "$f"; } > "$corpus/logs/$name"
  { printf "\\x$(printf %02x $((i + 1)))"; cat "$f"; } > "$corpus/differential/log-$name"
}
log_seed 0 "$fx/logs/access-combined.log"
log_seed 0 "$fx/logs/bad-timestamps.log"
log_seed 0 "$fx/logs/crlf-latin1-no-eol.log"
log_seed 0 "$fx/logs/garbage-mixed.log"
log_seed 0 "$fx/sequence/rotated/access.log"
log_seed 0 "$fx/sequence/rotated/access.log.1"
log_seed 1 "$fx/logs/access-common.log"
log_seed 2 "$fx/logs/nginx-auth.log"
log_seed 3 "$fx/logs/apache-custom.log"
log_seed 4 "$fx/logs/envoy.jsonl"
log_seed 5 "$fx/logs/caddy.jsonl"
log_seed 5 "$fx/sequence/api-history.jsonl"
log_seed 5 "$fx/sequence/handshakes.jsonl"
log_seed 6 "$fx/logs/traefik.jsonl"
log_seed 7 "$fx/logs/envoy.jsonl"
log_seed 8 "$fx/logs/alb.log"
log_seed 9 "$fx/logs/u_ex240603.log"
log_seed 9 "$fx/logs/cloudfront.log"
log_seed 10 "$fx/logs/u_ex240603.log"
log_seed 10 "$fx/logs/u_ex240604.log"
log_seed 10 "$fx/sequence/u_ex240605.log"
log_seed 11 "$fx/logs/cloudfront.log"

# Format strings (the first line), then lines in that format
nginx='nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $host $request_time "$sent_http_www_authenticate"'
apache='apache:%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" "%{Authorization}i" "%{WWW-Authenticate}o" %v'
{ printf '%s\n' "$nginx"; cat "$fx/logs/nginx-auth.log"; } > "$corpus/log_template/nginx"
{ printf '%s\n' "$apache"; cat "$fx/logs/apache-custom.log"; } > "$corpus/log_template/apache"
printf '%s\n' 'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"' > "$corpus/log_template/nginx-combined"
head -n 20 "$fx/logs/access-combined.log" >> "$corpus/log_template/nginx-combined"
printf '%s\n' 'apache:%a %{X-Api-Key}i %{%d/%b/%Y:%H:%M:%S %z}t "%m %U%q %H" %>s %D %{Cookie}i %u' > "$corpus/log_template/apache-vars"

# WWW-Authenticate values: the challenges of the fixtures, and a few by hand
n=0
grep -ohiE '"www-authenticate", *"value": *"([^"\\]|\\.)*"' -r "$fx/har" | sed -E 's/^[^:]*: *"[^"]*", *"value": *"//; s/"$//; s/\\"/"/g' | sort -u | sed -n '1,40p' |
while IFS= read -r v; do n=$((n + 1)); printf '%s' "$v" > "$corpus/challenge/fixture-$n"; done
printf '%s' 'Bearer realm="api", error="invalid_token", error_description="The token expired at 2024-06-03"' > "$corpus/challenge/bearer"
printf '%s' 'Negotiate, NTLM, Basic realm="corp", charset="UTF-8"' > "$corpus/challenge/multi"
printf '%s' 'Digest realm="x", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5' > "$corpus/challenge/digest"
printf '%s' 'Bearer authorization_uri="https://login.example.com/x/oauth2/authorize", error="insufficient_scope", scope="read write"' > "$corpus/challenge/scope"

# JWTs of the fixtures
n=0
grep -ohE 'eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*' -r "$fx" | sort -u |
while IFS= read -r v; do n=$((n + 1)); printf '%s' "$v" > "$corpus/jwt/fixture-$n"; done

# Request targets of the fixtures
n=0
grep -ohE '"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) [^ "]+' -r "$fx/logs" "$fx/sequence" | sed -E 's/^"[A-Z]+ //' | sort -u | sed -n '1,60p' |
while IFS= read -r v; do n=$((n + 1)); printf '%s' "$v" > "$corpus/path/fixture-$n"; done
printf '%s' '/v1/users/123/keys/KcC612fbBbEz599x;jsessionid=8jnXDwp366yQ?api_key=abc&token=%7Bx%7D#access_token=y' > "$corpus/path/hand-1"
printf '%s' '/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage' > "$corpus/path/hand-2"

# Partial summaries of the fixtures (and of nothing)
bin="${AUTHSIFT:-${CARGO_TARGET_DIR:-$root/target}/debug/authsift}"
if [ -x "$bin" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  for f in "$fx"/har/*.har "$fx"/logs/*.log "$fx"/logs/*.jsonl "$fx"/sequence/*.jsonl; do
    "$bin" analyze -q -j1 "$f" --partial "$corpus/partial/$(basename "$f").json" >/dev/null 2>&1 || true
  done
  "$bin" analyze -q -j1 --group-by client,credential,status_detail,user_agent --bucket 5m \
    "$fx/har" --partial "$corpus/partial/har-grouped.json" >/dev/null 2>&1 || true
else
  echo "fuzz/seed.sh: no authsift binary at $bin: the partial target starts without fixture seeds" >&2
fi
echo "fuzz/seed.sh: corpora in $corpus:" $(for t in "$corpus"/*; do echo "$(basename "$t")=$(ls "$t" | wc -l)"; done)
