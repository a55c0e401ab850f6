#!/usr/bin/env bash
# Builds the Native AOT server into one file, dist/<rid>/friendlite-edge, that carries its native
# libraries. Fails on any trim/AOT warning except Whisper.net's known IL3000.
#
#   ./build.sh                  # linux-x64
#   ./build.sh --rid linux-arm64
set -euo pipefail
cd "$(dirname "$0")"

rid=linux-x64
config=Release
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) rid="${2:?--rid needs a value: linux-x64 or linux-arm64}"; shift 2 ;;
    --rid=*) rid="${1#--rid=}"; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (use --rid linux-x64 or --rid linux-arm64)" >&2; exit 2 ;;
  esac
done

extra=()
case "$rid" in
  linux-x64) ;;
  linux-arm64)
    # Cross-compiling needs clang, lld, llvm-objcopy and arm64 C libraries (see README, Raspberry Pi).
    missing=()
    for tool in clang ld.lld llvm-objcopy; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    if [ ! -e /usr/lib/aarch64-linux-gnu/libc.so ] && [ -z "${FRIENDLITE_SYSROOT:-}" ]; then missing+=("libc6-dev:arm64 (or FRIENDLITE_SYSROOT)"); fi
    if [ ${#missing[@]} -gt 0 ]; then
      echo "build.sh: cannot cross-compile for linux-arm64: missing ${missing[*]}; install clang lld llvm and the arm64 C libraries (README, 'Raspberry Pi')." >&2
      exit 1
    fi
    extra+=(-p:LinkerFlavor=lld)
    if [ -n "${FRIENDLITE_SYSROOT:-}" ]; then extra+=(-p:SysRoot="$FRIENDLITE_SYSROOT"); fi
    ;;
  *) echo "build.sh: unsupported --rid '$rid' (use linux-x64 or linux-arm64)" >&2; exit 2 ;;
esac

publish="obj/publish/$rid"
dist="dist/$rid"
log="obj/publish-$rid.log"
mkdir -p obj
rm -rf "$publish"

echo "Publishing Native AOT for $rid..."
if ! dotnet publish FriendLite.Edge.csproj -c "$config" -r "$rid" -o "$publish" -nologo "${extra[@]}" >"$log" 2>&1; then
  grep -E 'error|warning' "$log" | sort -u >&2 || true
  echo "build.sh: publish failed; full log in $log" >&2
  exit 1
fi

# Trim and AOT analysis warnings (ILxxxx). Whisper.net's IL3000 (Assembly.Location is empty in a
# single-file app) is known and harmless here: the binary loads Whisper's libraries itself.
warnings=$(grep -E 'warning IL[0-9]{4}' "$log" | sed 's/ \[[^]]*\]$//' | sort -u || true)
unexpected=$(printf '%s\n' "$warnings" | grep -v -E 'Whisper.*warning IL3000|warning IL3000.*Whisper' | grep -v '^$' || true)
if [ -n "$unexpected" ]; then
  echo "build.sh: the AOT publish has trim/AOT warnings; fix them before shipping:" >&2
  printf '%s\n' "$unexpected" >&2
  exit 1
fi

# One file: the binary carries its native libraries (FriendLite.Edge.csproj, BundleNativeLibraries)
# and places them in a cache on first use, so nothing else is copied.
rm -rf "$dist"
mkdir -p "$dist"
cp "$publish/friendlite-edge" "$dist/"

size=$(stat -c %s "$dist/friendlite-edge")
awk -v f="$dist/friendlite-edge" -v s="$size" 'BEGIN { printf "Built %s: one file, %.1f MB (%d bytes)\n", f, s / 1e6, s }'
