# syntax=docker/dockerfile:1
# One image for every portflow process; docker-compose.yml picks the process with its command:
# `node lib/worker.js`, `node lib/webhooks/main.js`, `node lib/codec/main.js`, `node lib/sandbox/main.js`.
# The build stage compiles src/ to lib/ and pre-bundles the workflow code (lib/workflows.bundle.js,
# which the worker loads instead of bundling at start); the runtime stage holds the production
# dependencies and lib/ only: no TypeScript, no tsx, no dev dependencies.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# No lifecycle scripts: `prepare` would build before the sources are copied; the build runs below.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# The install scripts of the runtime tree (protobufjs 7's version notice, @swc/core's binding check
# for the bundler) are not needed: the workflow code is already bundled.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts
COPY --from=build /app/lib ./lib

# Owned by root, read-only for the app user; only .data (the sandbox's state, local key files) is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

# glibc malloc and V8 heap settings that bound the worker's memory (src/worker-process.ts,
# docs/scale.md "Process settings"); the other processes of the image are fine with them too.
ENV MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    MALLOC_TRIM_THRESHOLD_=1048576

# webhooks 3000, sandbox 4010, codec server 8888, worker metrics 9464
EXPOSE 3000 4010 8888 9464
CMD ["node", "--heap-growing-percent=15", "--max-semi-space-size=2", "lib/worker.js"]
