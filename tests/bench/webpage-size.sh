#!/usr/bin/env bash
# The web page's weight as browsers receive it: for each file of Web/wwwroot, the bytes a running
# server sends without compression and with gzip (asked with Accept-Encoding, so the figures are the variants it really serves; a file whose
# variant would not be smaller is sent as it is, and counted so). Usage: tests/bench/webpage-size.sh [http://127.0.0.1:8000]
set -euo pipefail
url="${1:-http://127.0.0.1:8000}"
root="$(cd "$(dirname "$0")/../.." && pwd)/Web/wwwroot"
index="$(curl -sf "$url/")" || { echo "No web page at $url/: start a server (friendlite-edge serve) or pass its URL." >&2; exit 1; }
prefix="$(grep -o '/app/[0-9a-f]\{10\}' <<<"$index" | head -1)"
[ -n "$prefix" ] || { echo "The page at $url/ names no /app/<hash>/ assets." >&2; exit 1; }

size() { # path, accept-encoding
  curl -sf -o /dev/null -w '%{size_download}' -H "Accept-Encoding: $2" "$url$1"
}

printf '%-24s %10s %10s\n' file raw gzip
total_raw=0 total_gz=0
for file in "$root"/*; do
  name="$(basename "$file")"
  path="$prefix/$name"
  [ "$name" = index.html ] && path="/"
  raw="$(size "$path" identity)" gz="$(size "$path" gzip)"
  printf '%-24s %10d %10d\n' "$name" "$raw" "$gz"
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz))
done
printf '%-24s %10d %10d\n' total "$total_raw" "$total_gz"
