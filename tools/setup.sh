#!/bin/sh
# Prepares this checkout on a Debian 12 machine: system packages (installed when run as root), npm packages,
# the native addon and the TypeScript build. Safe to run again: each step is skipped when already done.
# `sh tools/setup.sh train` (what `npm start` runs) also installs what `antorcha train` needs: the
# Fashion-MNIST data set and the font its charts are drawn with. `npm test` needs neither.
set -e
cd "$(dirname "$0")/.."

say() { echo "antorcha setup: $*" >&2; }

extra="$ANTORCHA_EXTRA_PACKAGES"
case "${1:-}" in
  "") ;;
  train) extra="$extra dataset-fashion-mnist fonts-dejavu-core" ;;
  *) say "unknown argument '$1' (expected nothing, or 'train')"; exit 2 ;;
esac

missing=""
for pkg in g++ make python3 libdnnl-dev $extra; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    say "missing Debian packages:$missing"
    say "install them as root with: apt-get install -y$missing"
    exit 1
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci also builds the native addon (the package's install script).
  say "installing npm packages and building the native addon (npm ci)"
  # onnxruntime-node (a benchmark-only dev dependency) would otherwise try to download GPU libraries.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi

addon=build/Release/antorcha.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" 2>/dev/null | head -n 1)" ]; then
  say "building the native addon (node-gyp, oneDNN)"
  sh tools/build-native.sh >/dev/null 2>build-native.log || {
    say "native build failed; see build-native.log"; tail -n 30 build-native.log >&2; exit 1; }
fi

node tools/codegen.mjs --check
npx tsc -p tsconfig.json
