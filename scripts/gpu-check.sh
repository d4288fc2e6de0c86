#!/usr/bin/env bash
# CUDA vs CPU parity and throughput of the service on a GPU host. See scripts/gpu-check.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/server/main.js ] || npm run build
exec node --import tsx scripts/gpu-check.ts "$@"
