#!/usr/bin/env bash
# Installs what `./build.sh --rid linux-arm64` needs to build the Raspberry Pi binary on an x64
# Debian/Ubuntu machine, from Debian's own packages: clang and lld (the linker Native AOT drives for
# a foreign target), llvm (llvm-objcopy strips the symbols), and the arm64 C libraries through
# multiarch. With --emulator it also installs qemu-user-static and the arm64 runtime libraries, so
# the built binary can be run here for a check (`qemu-aarch64-static -cpu cortex-a72 ./friendlite-edge`).
#
#   sudo tools/arm64-toolchain.sh [--emulator]
set -euo pipefail

emulator=""
case "${1:-}" in
  --emulator) emulator=1 ;;
  "") ;;
  *) echo "arm64-toolchain.sh: unknown argument '$1' (use --emulator or nothing)" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "arm64-toolchain.sh: run it as root (sudo), it installs Debian packages" >&2
  exit 1
fi

dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
apt-get update -qq
# The newest GCC runtime Debian has for arm64 (12 on bookworm, 14 on trixie): clang links against it.
gcc_version=""
for v in 15 14 13 12; do
  if apt-cache show "libgcc-$v-dev:arm64" >/dev/null 2>&1; then gcc_version=$v; break; fi
done
[ -n "$gcc_version" ] || { echo "arm64-toolchain.sh: no libgcc-N-dev:arm64 package found; is this Debian 12 or later?" >&2; exit 1; }
packages=(clang lld llvm libc6-dev:arm64 "libgcc-$gcc_version-dev:arm64" "libstdc++-$gcc_version-dev:arm64" zlib1g-dev:arm64)
if [ -n "$emulator" ]; then
  # whisper.cpp's libraries need libgomp and libstdc++ at run time, as on the Pi itself.
  packages+=(qemu-user-static libgomp1:arm64 libstdc++6:arm64)
fi

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
echo "arm64 tool chain installed: ./build.sh --rid linux-arm64"
