# API image (also runs the database migrations as a one-off command). Dockerfile.worker is the same
# recipe for the worker: keep the two in step.
#
#   docker build -f Dockerfile.app -t starter-api --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run --rm -e DATABASE_URL=... starter-api node packages/db/dist/cli/migrate.js
#
# Layers: the dependency install only re-runs when a package.json or the lockfile changes, and
# the final image's node_modules layer is byte-identical between releases that change only
# sources, so a deploy pulls just the few hundred kilobytes of dist/.

ARG NODE_IMAGE=node:24-bookworm-slim

# pnpm and turbo at the versions the root package.json pins.
FROM ${NODE_IMAGE} AS tools
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
WORKDIR /repo
COPY package.json ./
RUN --mount=type=cache,id=starter-npm,target=/root/.npm \
    npm install --global --no-fund --no-audit \
      "$(node -p 'require("./package.json").packageManager')" \
      "turbo@$(node -p 'require("./package.json").devDependencies.turbo')"

# The subset of the monorepo the API depends on: json/ holds only manifests and the pruned
# lockfile (the install layer's sole input), full/ the sources.
FROM tools AS pruner
COPY . .
RUN turbo prune @starter/api --docker --out-dir /pruned \
 && cp tsconfig.base.json /pruned/full/

FROM tools AS build
COPY --from=pruner /pruned/json/ ./
RUN --mount=type=cache,id=starter-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store
COPY --from=pruner /pruned/full/ ./
# Collects dist/ of the API and every workspace package it depends on at runtime, at their
# workspace paths, so the final stage needs no list of packages.
RUN pnpm turbo run build --filter=@starter/api \
 && pnpm --filter-prod '@starter/api...' exec \
      sh -c 'target="/dist/$(pwd | sed "s|^/repo/||")" && mkdir -p "$target" && cp -R dist "$target/"'

# Production dependencies only, from manifests alone: unaffected by source changes.
FROM tools AS prod-deps
COPY --from=pruner /pruned/json/ ./
COPY scripts/src/release/prune-node-modules.sh /usr/local/bin/prune-node-modules
RUN --mount=type=cache,id=starter-pnpm-store,target=/pnpm/store \
    pnpm install --prod --frozen-lockfile --filter-prod '@starter/api...' --store-dir /pnpm/store \
 && rm pnpm-lock.yaml \
 && prune-node-modules /repo

FROM ${NODE_IMAGE}
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=prod-deps /repo/ ./
COPY --from=build /dist/ ./
# Root owns the code; the process runs as `node` and writes nothing outside /tmp, so the
# container can run with a read-only root filesystem.
USER node
EXPOSE 3000
# Ready, not just live: "healthy" is what compose `depends_on`, `up --wait` and the deploy's
# rollout gate wait for, and it should mean "can serve requests".
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is the process that receives SIGTERM and shuts down gracefully. Run it under an
# init (`init: true` in compose) so orphaned children are reaped too.
CMD ["node", "apps/api/dist/main.js"]

# Last, so a new revision only changes the image config, never a layer.
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="starter-api" \
      org.opencontainers.image.description="NestJS API; also runs migrations (node packages/db/dist/cli/migrate.js)" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
