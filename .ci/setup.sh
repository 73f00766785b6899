#!/usr/bin/env bash
# The Debian packages that `npm test`, `npm run demo` and `.ci/run` need, installed
# when missing (as root, or through sudo); a no-op once they are there.
#  - the software GPU: on a machine without one, Dawn runs the WGSL on Mesa's
#    llvmpipe through EGL (libegl1 libegl-mesa0 libgl1-mesa-dri libgles2);
#  - dataset-fashion-mnist: the Fashion-MNIST files its loader is tested on
#    (and `npm run demo:fashion` trains on);
#  - libvulkan1 mesa-vulkan-drivers: Mesa's Vulkan drivers, lavapipe among
#    them, which Dawn rejects before falling back to OpenGL; the start-up
#    test (tests/runtime/quiet-start.test.ts) checks that this stays quiet;
#  - with --tests (what `npm test` passes): python3-torch python3-torchvision
#    python3-onnx, because the shapewise/io tests run PyTorch and onnx.checker
#    on the files shapewise writes (tests/fixtures/generate_io.py). The demo
#    does not need them, so it does not wait for them.
set -euo pipefail
packages=(libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 dataset-fashion-mnist libvulkan1 mesa-vulkan-drivers)
if [ "${1:-}" = "--tests" ]; then
  packages+=(python3-torch python3-torchvision python3-onnx)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "shapewise: no apt-get here; install your system's equivalent of these Debian packages: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "shapewise: installing ${missing[*]}"
# Another apt run (unattended upgrades, a parallel job) may hold the lock: wait for it.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
