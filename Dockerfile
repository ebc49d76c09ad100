# The camscope CLI on CPU (ONNX Runtime's CPU provider, sharp, SQLite), for Slurm/Kubernetes shard jobs:
#   docker build -t camscope .
#   docker run --rm -v "$PWD:/work" -w /work camscope eval --model m.onnx --dataset data --project p.camscope
# No Electron, no Chromium: `eval --pdf` is not available in this image (HTML, CSV and JSON reports are).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Electron and Playwright are development tools of the desktop app; the CLI needs neither.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# better-sqlite3 builds from source where no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# .npmrc: onnxruntime-node's install step keeps its bundled CPU binaries and downloads nothing.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# Native modules' install steps, then the compiled CLI (out/cli), then the development packages go.
RUN npm rebuild better-sqlite3 onnxruntime-node sharp \
 && npm run build:cli \
 && npm prune --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
# The build stage's files as they are (mtimes included: bin/camscope.mjs runs out/cli only while its sources are unchanged).
COPY --from=build /app /app
RUN ln -s /app/bin/camscope.mjs /usr/local/bin/camscope
USER node
ENTRYPOINT ["camscope"]
CMD ["--help"]
