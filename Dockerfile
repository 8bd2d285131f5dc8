# panelsim in an image FROM scratch: one static binary and nothing else (no
# shell, no curl, no CA certificates, no tzdata; panelsim needs none of them).
#
# The default build copies a binary made on the host, so it needs no
# registry at all:
#
#     make image        # = CGO_ENABLED=0 GOOS=linux go build -trimpath -o bin/panelsim-linux ./cmd/panelsim
#                       #   docker build --target panelsim -t panelsim:dev .
#
# With BuildKit, `docker build -t panelsim .` builds the same default target
# (the last stage). The legacy builder (Docker without buildx) builds every
# stage before the one it is asked for, so it needs `--target panelsim` to
# skip the from-source stages below, which pull a Go image.
#
# Users who have a registry but no Go toolchain can compile inside the image:
#
#     docker build --target from-source -t panelsim .

# ---- default: the host-built binary ----------------------------------------
FROM scratch AS panelsim
COPY bin/panelsim-linux /panelsim
# A numeric user: scratch has no /etc/passwd. 65532 is the usual "nonroot".
USER 65532:65532
# Every flag has an environment variable (PANELSIM_SCENARIO, PANELSIM_SEED,
# PANELSIM_CLOCK, PANELSIM_START, PANELSIM_VALIDATE, PANELSIM_LISTEN,
# PANELSIM_STATE_FILE, ...); only the listen address differs from the binary's
# default, because 127.0.0.1 inside a container is unreachable from outside.
ENV PANELSIM_ADDR=0.0.0.0:8080
EXPOSE 8080
# No curl in the image: the binary checks itself. Docker Engine 20.10 probes
# first one interval after start (--start-interval needs Engine 25), so the
# interval is short enough for `docker run` to turn healthy within a second;
# a probe costs one short process start.
HEALTHCHECK --interval=250ms --timeout=2s --start-period=10s --retries=3 CMD ["/panelsim", "healthcheck"]
ENTRYPOINT ["/panelsim"]

# ---- optional: compile inside a Go image (needs a registry) ----------------
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/panelsim ./cmd/panelsim

FROM scratch AS from-source
COPY --from=build /out/panelsim /panelsim
USER 65532:65532
ENV PANELSIM_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=250ms --timeout=2s --start-period=10s --retries=3 CMD ["/panelsim", "healthcheck"]
ENTRYPOINT ["/panelsim"]

# ---- the default target is the last stage: the host-built image ------------
FROM panelsim
