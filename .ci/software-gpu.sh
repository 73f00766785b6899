#!/usr/bin/env bash
# Makes sure WebGPU has an adapter: on a machine without a GPU, Dawn runs the
# WGSL on Mesa's llvmpipe through EGL, which needs these Debian packages.
# Installs them when they are missing (as root, or through sudo).
set -euo pipefail
packages=(libegl1 libegl-mesa0 libgl1-mesa-dri libgles2)
if dpkg -s "${packages[@]}" >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "shapewise: no apt-get here; install the EGL/Mesa packages of your system (Debian: ${packages[*]})" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "shapewise: installing the software GPU (Mesa llvmpipe): ${packages[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
