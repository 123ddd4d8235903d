# system-profiler: host, container and service health for a home server.
#
#   docker build -t system-profiler .
#
# NODE_IMAGE is the one knob: any image with Node 24, npm and a POSIX /bin/sh (rm). The default
# is the official Alpine image; scripts/build-image.sh passes a locally imported stand-in on
# machines that cannot reach a registry. Nothing else in this file depends on the base.
# Only classic-builder syntax is used (no BuildKit mounts), so Docker 20.10 builds it as is.
ARG NODE_IMAGE=node:24-alpine

# --- production dependencies, exactly as locked -----------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the runtime dependencies (effect, @effect/platform-node) need none, and a
# dependency that suddenly wants one should fail the build, not run.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
# Node runs the packages' dist/*.js only: type declarations, source maps and the TypeScript
# sources that effect ships for its maps are two thirds of node_modules (70 MB -> 25 MB).
# (The redis peer of @effect/platform-node stays: its index module imports it.)
RUN find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) \
      -exec rm -f {} + \
 && rm -rf node_modules/effect/src node_modules/@effect/*/src node_modules/@types node_modules/undici-types

# --- the Node runtime without its package managers -------------------------------------------
# npm, npx, corepack and yarn are build tools: at run time they are only weight and attack
# surface. Deleting them in a later layer would not shrink the image, so this stage deletes
# them and the next one copies what is left into a single layer.
FROM ${NODE_IMAGE} AS node-runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /usr/local/include /usr/local/share/doc \
      /usr/local/share/man /root/.npm /tmp/*

# --- the service -----------------------------------------------------------------------------
FROM scratch
COPY --from=node-runtime / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787
WORKDIR /app
# Owned by root and read-only to the service's user: the process cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src

# The container starts as root only long enough to read the Docker socket's group; before
# anything else runs, src/privileges.ts switches to SYSTEM_PROFILER_RUN_AS (default 1000:1000,
# the `node` user of node:24-alpine) with that one group, and the kernel drops every
# capability. `docker run --user 1000:1000 --group-add <socket gid>` skips that step.
ENV SYSTEM_PROFILER_RUN_AS=1000:1000
EXPOSE 8787
# node is PID 1 and handles SIGTERM itself (the service exits within ~1 s).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "src/healthcheck.ts"]
CMD ["node", "src/main.ts"]
