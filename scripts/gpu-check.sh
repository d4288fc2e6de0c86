#!/usr/bin/env bash
# On a host with an NVIDIA GPU: (1) CUDA against CPU parity and throughput on the 10k MNIST test images
# (scripts/gpu-check.ts); (2) the service started the way the image starts it, the provider it picks and /predict
# timings on CUDA against CPU, and with GPU_CHECK_IMAGE=<image> the image itself under `docker run --gpus all`
# (scripts/gpu-serve-check.ts). Each missing piece stops it with one line saying what to do.
# GPU_CHECK_PROVIDER=cpu dry-runs it all on a host without a GPU (with GPU_CHECK_IMAGES=200 it takes a minute).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "gpu-check: $*" >&2; exit 1; }

[ -x node_modules/.bin/node ] || die "node_modules is missing: run npm ci first"
node=node_modules/.bin/node # the Node 22 every npm script runs on (the \`node\` dev dependency)
if [ "${GPU_CHECK_PROVIDER:-cuda}" = cuda ]; then
  command -v nvidia-smi >/dev/null 2>&1 || die "nvidia-smi not found: run this on a host with an NVIDIA GPU and its driver"
  gpus=$(nvidia-smi -L 2>&1) || die "nvidia-smi failed (${gpus##*$'\n'}): the driver does not see a GPU"
  echo "gpu-check: ${gpus%%$'\n'*}"
  arch=$("$node" -p process.arch)
  provider="node_modules/onnxruntime-node/bin/napi-v6/linux/$arch/libonnxruntime_providers_cuda.so"
  [ -f "$provider" ] \
    || die "$provider is missing: fetch it with ONNXRUNTIME_NODE_INSTALL=cuda12 $node node_modules/onnxruntime-node/script/install"
  # The provider links CUDA 13 and cuDNN 9 from the host (the image has them from its base).
  # (ORT loads its own libonnxruntime_providers_shared.so first, from beside it.)
  if unresolved=$(ldd "$provider" | grep 'not found' | grep -v libonnxruntime); then
    die "the CUDA provider needs libraries this host lacks (CUDA 13, cuDNN 9): $(awk '{print $1}' <<<"$unresolved" | tr '\n' ' ')"
  fi
fi
if [ -n "${GPU_CHECK_IMAGE:-}" ]; then
  command -v docker >/dev/null 2>&1 || die "GPU_CHECK_IMAGE is set but docker is not installed"
  docker image inspect "$GPU_CHECK_IMAGE" >/dev/null 2>&1 || die "no image $GPU_CHECK_IMAGE: docker build -t $GPU_CHECK_IMAGE . first"
fi
npm run build >/dev/null || die "npm run build failed"

"$node" --import tsx scripts/gpu-check.ts "$@"
"$node" --import tsx scripts/gpu-serve-check.ts
