# syntax=docker/dockerfile:1
# One image for every portflow process; docker-compose.yml picks the process with
# `command: ["npm", "run", "<script>"]` (worker, webhooks, codec-server, sandbox).
# The scripts run the TypeScript sources with tsx, so there is no build step.
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}

WORKDIR /app

# The postinstall hook would download the Temporal CLI and test server; a container talks to a
# real Temporal service instead, so skip it.
ENV PORTFLOW_SKIP_TEMPORAL_INSTALL=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Dependencies first for layer caching. The postinstall script (scripts/ensure-temporal.ts)
# imports src/temporal-server, so both are needed before `npm ci`. Dev dependencies are kept:
# tsx runs the sources at start-up.
COPY package.json package-lock.json tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN --mount=type=cache,target=/root/.npm npm ci

# Owned by root, read-only for the app user; only .data (the sandbox's state, local key files) is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

# webhooks 3000, sandbox 4010, codec server 8888, worker metrics 9464
EXPOSE 3000 4010 8888 9464
CMD ["npm", "run", "worker"]
