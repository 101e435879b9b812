#!/bin/sh
# Builds the native addon against the system's Node.js headers (never downloads them) and Debian's oneDNN.
set -e
cd "$(dirname "$0")/.."
if [ ! -f /usr/include/node/node_api.h ]; then
  echo "antorcha: Node.js headers are missing (/usr/include/node); install the nodejs package that ships them" >&2
  exit 1
fi
if [ ! -f /usr/include/oneapi/dnnl/dnnl.hpp ]; then
  echo "antorcha: oneDNN is missing; install it as root with: apt-get install -y libdnnl-dev" >&2
  exit 1
fi
exec npx --no-install node-gyp rebuild --nodedir=/usr -j 2
