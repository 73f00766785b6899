#!/usr/bin/env bash
# Issue 14's GPU check, as one command on the device machine (an NVIDIA GPU with Vulkan, PyTorch
# with CUDA, no Node), or anywhere else to try it (it falls back to llvmpipe and says so):
#   bash bench/gpu/run.sh [--quick]
# after `bash bench/gpu/prepare.sh` here, with the device tool:
#   run(command: "bash bench/gpu/run.sh", carry: [".gpu"], timeout_s: 420)
# Steps: the Vulkan loader (from .gpu/debs, only where the system has none and an NVIDIA device
# exists), Node and node_modules (from .gpu, only where missing), the adapter and why, the test
# suite's kernel fixtures (tests/kernels, PyTorch's reference values) on that adapter, then
# bench/peers.ts: W1–W5, a 4096³ matmul, the first calls and the ResNet-18 step beside PyTorch
# (CUDA where it has a GPU). Results go to $OUT (default ./gpu-out): adapter.json,
# kernel-tests.json, peers.json, peers.md, summary.md, run.log.
# --quick (for a machine without a GPU): two kernel test files, W1 and W5 only.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1
quick=${1:-}
started=$(date +%s)
say() { echo "[gpu $(( $(date +%s) - started ))s] $*"; }
# xz may be missing on a bare image: Python's lzma does the same.
unxz_to() { if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi; }

# 1. Vulkan: the loader where the system has none (never on a machine without an NVIDIA device),
#    and NVIDIA's driver manifests where the driver is mounted outside the loader's search path.
if ! ldconfig -p | grep -q 'libvulkan.so.1' && [ -e /dev/nvidia0 ] && ls .gpu/debs/*.deb >/dev/null 2>&1; then
  say "unpacking the Vulkan loader and GL dispatch libraries"
  for f in .gpu/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia=/usr/local/nvidia/share
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f $nvidia/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=$nvidia/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=$nvidia/glvnd/egl_vendor.d/10_nvidia.json
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv,noheader | sed 's/^/[gpu] nvidia-smi: /'

# 2. Node (20 or later) and the node_modules the benchmark needs.
node=node
if ! command -v node >/dev/null || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  [ -s .gpu/node.xz ] || { say "no Node 20 here and no .gpu/node.xz: run bench/gpu/prepare.sh first"; exit 1; }
  unxz_to .gpu/node.xz /tmp/shapewise-node && chmod +x /tmp/shapewise-node
  node=/tmp/shapewise-node
fi
if [ ! -d node_modules/vitest ] || [ ! -d node_modules/tsx ]; then
  [ -s .gpu/modules.tar.xz ] || { say "no node_modules and no .gpu/modules.tar.xz: run bench/gpu/prepare.sh first"; exit 1; }
  unxz_to .gpu/modules.tar.xz /tmp/shapewise-modules.tar && tar -xf /tmp/shapewise-modules.tar && rm /tmp/shapewise-modules.tar
fi
say "node $($node --version)"
tsx() { "$node" node_modules/tsx/dist/cli.mjs "$@"; }

# 3. The adapter. On a GPU the tests then insist on it (SHAPEWISE_BACKEND=gpu), so nothing falls
#    back to the CPU unnoticed.
tsx bench/gpu/adapter.ts "$OUT/adapter.json" || { say "no adapter at all"; exit 1; }
if grep -q '"gpu": true' "$OUT/adapter.json"; then export SHAPEWISE_BACKEND=gpu; fi

# 4. The test suite's kernel fixtures on that adapter.
tests=tests/kernels
[ "$quick" = --quick ] && tests="tests/kernels/elementwise.test.ts tests/kernels/linear.test.ts"
say "kernel tests: $tests"
"$node" node_modules/vitest/vitest.mjs run $tests --reporter=default --reporter=json --outputFile.json="$OUT/kernel-tests.json"
tests_status=$?

# 5. The workloads beside PyTorch: whichever python3 has torch, on CUDA where it can.
python=
for p in python3 /usr/bin/python3; do
  if command -v $p >/dev/null && $p -c 'import torch' 2>/dev/null; then python=$(command -v $p); break; fi
done
torch_device=cpu
[ -n "$python" ] && $python -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' && torch_device=cuda
only=W1,W1b1,W2,W3,W4,W5,W5big,first,resnet18
peer_args=(--no-ort --torch-device "$torch_device")
[ "$quick" = --quick ] && { only=W1,W5; peer_args+=(--quick --torch-threads 1); }
[ -n "$python" ] && peer_args+=(--torch-python "$python") || peer_args+=(--no-torch)
say "peers: $only, PyTorch ${python:-missing} on $torch_device"
tsx bench/peers.ts --only "$only" "${peer_args[@]}" --json "$OUT/peers.json" --markdown "$OUT/peers.md"
peers_status=$?

# 6. One page to read.
{
  echo "# bench/gpu/run.sh, $(date -u +%FT%TZ)"
  echo
  echo "- adapter: $(grep -o '"description": "[^"]*"' "$OUT/adapter.json" | cut -d'"' -f4) ($(grep -o '"backend": "[^"]*"' "$OUT/adapter.json" | cut -d'"' -f4)); GPU: $(grep -o '"gpu": [a-z]*' "$OUT/adapter.json" | cut -d' ' -f2)"
  echo "- kernel tests ($tests): $("$node" -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped of ${r.numTotalTests}`)' "$OUT/kernel-tests.json" 2>/dev/null || echo 'no report') (exit $tests_status)"
  echo "- peers: exit $peers_status; $(( $(date +%s) - started )) s in all"
  echo
  cat "$OUT/peers.md" 2>/dev/null
} > "$OUT/summary.md"
cat "$OUT/summary.md"
exit $(( tests_status || peers_status ))
