# syntax=docker/dockerfile:1
# Image of the worker and the API (one image, two commands; see docker-compose.yml).
#
#   build    npm ci (all deps), type-check, bundle the workflows once (fails the build on a
#            workflow that breaks the sandbox)
#   deps     npm ci --omit=dev: production dependencies only
#   runtime  node:24 slim (the current LTS) (glibc: Temporal's native core bridge has no musl build),
#            sources + production node_modules, runs as the unprivileged `node` user.
#
# TypeScript runs through tsx (a production dependency, as for `npm start`), loaded in-process:
# one process, so SIGTERM reaches the worker's graceful shutdown, and paths such as db/migrations
# and domain/calendar/data stay where the code expects them. The worker uses tsx's CommonJS hook
# (`--require tsx/cjs`, on the main thread; `--import tsx` adds a hooks thread with its own V8
# heap) and loads the bundle built here instead of bundling at start (docs/performance.md,
# worker memory).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Type-check (as CI), then bundle workflows/ with the worker's own options (preloadModules
# included): a workflow that breaks the sandbox (a Node built-in, an I/O import) fails
# `docker build`, not the first deployment, and the worker loads dist/workflow-bundle.js
# (WORKFLOW_BUNDLE_PATH) without running webpack. Built and run at the same path (/app): the
# preloaded modules and the source map name absolute paths.
RUN npx tsc --noEmit -p tsconfig.json \
 && npx tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
# Owned by root, read-only for the `node` user that runs the code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/domain ./domain
COPY --from=build /app/workflows ./workflows
COPY --from=build /app/activities ./activities
COPY --from=build /app/workers ./workers
COPY --from=build /app/api ./api
COPY --from=build /app/db ./db
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
USER node
EXPOSE 3000
# Default: the worker. The api service overrides the command (docker-compose.yml).
CMD ["node", "--max-semi-space-size=4", "--require", "tsx/cjs", "workers/main.ts"]
