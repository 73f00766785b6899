#!/usr/bin/env bash
# Prepares what bench/gpu/run.sh needs on a machine that has none of it (the device machine of
# issue 14: an NVIDIA GPU, Vulkan driver files, PyTorch with CUDA, no Node, no registry), in .gpu/
# at the repository's root (ignored through .git/info/exclude):
#   node.xz        this machine's Node binary (x86-64; the device machine runs it as is)
#   modules.tar.xz the node_modules folders the benchmark and the kernel tests need at run time
#                  (vitest, tsx, fp-ts, fast-check, protobufjs, fast-png, jpeg-js and their
#                  dependencies; webgpu with its linux-x64 dawn.node only)
#   debs/          the Vulkan loader and GL dispatch libraries (Debian packages, downloaded with apt)
# Run once per session, here:  bash bench/gpu/prepare.sh
# The working tree and .gpu/ travel together and must stay under the device tool's 64 MiB.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
exclude="$(git rev-parse --git-common-dir)/info/exclude"   # shared by every worktree of the repository
mkdir -p "$(dirname "$exclude")"
grep -qxF '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
mkdir -p .gpu/debs

if [ ! -s .gpu/node.xz ] || [ "$(command -v node)" -nt .gpu/node.xz ]; then
  echo "compressing $(command -v node) ($(node --version))"
  xz -T0 -6 -c "$(command -v node)" > .gpu/node.xz.tmp && mv .gpu/node.xz.tmp .gpu/node.xz
fi

folders=$(node bench/gpu/closure.mjs vitest tsx fp-ts fast-check webgpu protobufjs fast-png jpeg-js | grep -v '^node_modules/@types/')
echo "node_modules: $(echo "$folders" | wc -l) packages"
# webgpu ships dawn.node for five platforms; the device machine needs linux-x64 only.
tar -cf - --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' $folders | xz -T0 -6 > .gpu/modules.tar.xz.tmp
mv .gpu/modules.tar.xz.tmp .gpu/modules.tar.xz

if ! ls .gpu/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  # amd64 packages whatever this machine's architecture (the device machine is x86-64).
  lists=/tmp/amd64-lists
  mkdir -p "$lists/partial"
  o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
  apt-get $o update -qq
  (cd .gpu/debs && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
carried=$(du -sb .gpu | cut -f1)
total=$(( tree + ${untracked:-0} + carried ))
echo "working tree $(( tree / 1048576 )) MiB + untracked $(( ${untracked:-0} / 1048576 )) MiB + .gpu $(( carried / 1048576 )) MiB = $(( total / 1048576 )) MiB of the 64 MiB a device call may carry"
[ "$total" -lt $(( 64 * 1048576 )) ] || { echo "too large for one device call" >&2; exit 1; }
