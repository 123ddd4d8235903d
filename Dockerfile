# system-profiler: host, container and service health for a home server.
#
#   docker build -t system-profiler .
#   docker buildx build --platform linux/arm64,linux/amd64 -t <registry>/system-profiler --push .
#
# Nothing below names an architecture: the same file builds for a Raspberry Pi (linux/arm64) and
# for x86-64. NODE_IMAGE is the one knob: any image with Node 24, npm and a POSIX /bin/sh (rm), on
# a platform the bundler ships a binary for (Linux x64 and arm64, on glibc or musl). The
# default is the official Alpine image; scripts/build-image.sh passes a locally imported stand-in on
# machines that cannot reach a registry. Nothing else in this file depends on the base.
# Only classic-builder syntax is used (no BuildKit mounts), so Docker 20.10 builds it as is.
ARG NODE_IMAGE=node:24-alpine

# --- the bundle -----------------------------------------------------------------------------
# The service runs as one bundle (scripts/build.sh): src/main.ts and src/healthcheck.ts with
# effect and @effect/platform-node inlined, as plain JavaScript. Only the modules the service
# reaches are loaded and Node strips no types at start, which halves the RSS against running the
# sources over node_modules, and the runtime stage needs no node_modules at all.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every dependency as locked (the bundler is a dev dependency). No install scripts: nothing the
# build uses needs one, and a dependency that suddenly wants one should fail the build, not run.
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
# scripts/build.ts itself, not its bash wrapper: the base needs no bash.
COPY scripts/build.ts ./scripts/
COPY src ./src
RUN node scripts/build.ts

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
# package.json is there for the version that /health reports (src/version.ts reads it).
COPY package.json ./
COPY --from=build /app/dist ./dist

# The container starts as root only long enough to read the Docker socket's group; before
# anything else runs, src/privileges.ts switches to SYSTEM_PROFILER_RUN_AS (default 1000:1000,
# the `node` user of node:24-alpine) with that one group, and the kernel drops every
# capability. `docker run --user 1000:1000 --group-add <socket gid>` skips that step.
ENV SYSTEM_PROFILER_RUN_AS=1000:1000
EXPOSE 8787
# node is PID 1 and handles SIGTERM itself (the service exits within ~1 s).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "dist/healthcheck.js"]
# Node flags, each measured in bench/README.md:
# --max-semi-space-size=1: a 1 MB young generation instead of up to 16 MB per semi-space; the
#   service allocates little per request, and the smaller nursery saves ~8 MB of RSS.
# --no-maglev: V8's mid-tier compiler made ~8 MB of code and compiler memory under load, for no
#   measurable gain once TurboFan has compiled the hot paths (same p99 and throughput on /stats).
# --max-old-space-size=64: the live heap is 10-20 MB (history is capped at 4 Mi characters); a
#   burst of requests otherwise grows the heap to 30+ MB that V8 keeps for good.
CMD ["node", "--max-semi-space-size=1", "--no-maglev", "--max-old-space-size=64", "dist/main.js"]
