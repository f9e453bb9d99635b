# syntax=docker/dockerfile:1
# Image of the worker and the API (one image, two commands; see docker-compose.yml).
#
#   build    npm ci (all deps), type-check, bundle the workflows once (fails the build on a
#            workflow that breaks the sandbox)
#   deps     npm ci --omit=dev: production dependencies only
#   runtime  node:24 slim (the current LTS) (glibc: Temporal's native core bridge has no musl build),
#            sources + production node_modules, runs as the unprivileged `node` user.
#
# TypeScript runs through tsx (a production dependency, as for `npm start`), loaded in-process
# with `node --import tsx`: one process, so SIGTERM reaches the worker's graceful shutdown,
# and paths such as db/migrations and domain/calendar/data stay where the code expects them.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Type-check (as CI), then bundle workflows/ exactly as the worker does at start-up: a workflow
# that breaks the sandbox (a Node built-in, an I/O import) fails `docker build`, not the first
# deployment. The bundle is kept at dist/workflow-bundle.js for a worker that prefers
# `workflowBundle: { codePath }` to bundling at start-up.
RUN npx tsc --noEmit -p tsconfig.json \
 && node -e " \
      const fs = require('node:fs'); \
      require('@temporalio/worker') \
        .bundleWorkflowCode({ workflowsPath: require.resolve('./workflows/index.ts') }) \
        .then(({ code }) => { fs.mkdirSync('dist', { recursive: true }); fs.writeFileSync('dist/workflow-bundle.js', code); }) \
        .catch((err) => { console.error(err); process.exit(1); });"

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
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
CMD ["node", "--import", "tsx", "workers/main.ts"]
