# One image for the netboot server and its WireGuard sidecar.
#
#   docker build -t netboot .
#   docker run --rm -p 8080:8080 \
#     -v "$PWD/profiles:/var/lib/netboot/profiles:ro" -v "$PWD/groups:/var/lib/netboot/groups:ro" \
#     -v "$PWD/ignition:/var/lib/netboot/ignition:ro" -v "$PWD/generic:/var/lib/netboot/generic:ro" netboot
#
# Mount the data folders, not the whole directory over /var/lib/netboot: its
# assets/ holds the image's iPXE EFI builds (/assets/ipxe.efi). For assets of
# your own, add the iPXE builds to them (scripts/install-ipxe-assets.sh) and
# mount them at /var/lib/netboot/assets.
#
# BASE must be a Debian bookworm image with Node 26 (the LTS line) and npm on PATH.
# Where registry traffic passes a TLS-inspecting proxy, mount its CA bundle at
# build time and name it in NODE_EXTRA_CA_CERTS (nothing of it stays in the image).
ARG BASE=docker.io/library/node:26-bookworm-slim

# The build stage makes only JavaScript (no native addons), so it runs on the
# builder's own platform: a multi-arch build emulates just the final stage.
FROM --platform=$BUILDPLATFORM ${BASE} AS build
ARG NODE_EXTRA_CA_CERTS=""
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/deferred-modules.mjs ./scripts/
COPY server ./server
RUN npx tsc -p tsconfig.build.json \
 && node scripts/bundle.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && chmod 0755 dist/server/cli/main.js

FROM ${BASE}
# wireguard-go and wireguard-tools for the sidecar (userspace or kernel WireGuard),
# iproute2 for addresses and routes, iptables for TCP MSS clamping. Debian's
# iPXE EFI builds let UEFI HTTP boot chain into iPXE without building it: the
# chart's init container copies /usr/share/netboot/assets into the assets
# volume, and the copy in /var/lib/netboot/assets serves a plain `docker run`.
# local-disk.ipxe is the kernel of profiles that boot the installed disk.
COPY assets/local-disk.ipxe /usr/share/netboot/assets/
RUN apt-get update \
 && apt-get install -y --no-install-recommends wireguard-tools wireguard-go iproute2 iptables ipxe \
 && mkdir -p /usr/share/netboot/assets /var/lib/netboot/assets \
 && cp -L /usr/lib/ipxe/ipxe.efi /usr/lib/ipxe/snponly.efi /usr/share/netboot/assets/ \
 && cp /usr/share/netboot/assets/* /var/lib/netboot/assets/ \
 && apt-get purge -y ipxe \
 && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
ENV NODE_ENV=production
# V8's young generation at 2 × 8 MiB: Node 26 lets it grow to 2 × 32 MiB, which a
# boot server's few short-lived objects per request never need, and which is a
# quarter of the memory at 100,000 groups (docs/performance.md, §3).
ENV NODE_OPTIONS=--max-semi-space-size=8
# Compiled module code kept between container restarts (the pod's /tmp is an emptyDir; not written when /tmp is read-only).
ENV NODE_COMPILE_CACHE=/tmp/netboot-compile-cache
COPY --from=build /src/package.json /app/package.json
COPY --from=build /src/node_modules /app/node_modules
COPY --from=build /src/dist /app/dist
# The gRPC API's .proto files, read at run time from the package's server/rpc/proto.
COPY --from=build /src/server/rpc/proto /app/server/rpc/proto
RUN ln -s /app/dist/server/cli/main.js /usr/local/bin/netboot \
 && mkdir -p /var/lib/netboot/profiles /var/lib/netboot/groups /var/lib/netboot/ignition /var/lib/netboot/generic \
 && netboot --version >/dev/null
USER 65532:65532
EXPOSE 8080/tcp 51820/udp
ENTRYPOINT ["netboot"]
CMD ["serve", "-address", "0.0.0.0:8080", "-data-path", "/var/lib/netboot", "-assets-path", "/var/lib/netboot/assets"]
