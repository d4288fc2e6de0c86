# lenet-service: `docker build -t lenet-service .` then `docker run --gpus all -p 3000:3000 -p 8081:8081 lenet-service`.
# The same image runs on CPU-only hosts (EXECUTION_PROVIDER=auto falls back, and /health/ready says which it uses).

# --- build: compile TypeScript, install production dependencies with ONNX Runtime's CUDA provider ---
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# The flag's name is historic: onnxruntime-node >= 1.27 fetches the CUDA 13 + cuDNN 9 build of the provider.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
# npm ci runs `prepare` (the TypeScript build). package.json's allowScripts keeps npm >= 11 from running
# onnxruntime-node's download (it fails where NuGet is out of reach), so run it here unless an older npm already did;
# then drop the dev dependencies and check the provider landed.
RUN npm ci \
 && (test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so \
     || node node_modules/onnxruntime-node/script/install) \
 && npm prune --omit=dev \
 && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so \
 || (echo "libonnxruntime_providers_cuda.so is missing: the CUDA provider download failed" >&2; exit 1)

# --- runtime: CUDA 13 + cuDNN 9, Node from the build stage, non-root ---
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
FROM ${CUDA_IMAGE}
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
COPY proto ./proto
COPY public ./public
COPY models ./models
RUN useradd --system --uid 10001 --home /app lenet && chown -R lenet /app/models
USER lenet
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
  CMD node -e "fetch('http://127.0.0.1:3000/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# node directly (not npm start), so SIGTERM reaches the service and it drains.
CMD ["node", "dist/server/main.js"]
