# syntax=docker/dockerfile:1
#
# One image per service: docker build --build-arg SERVICE=login|product .
#
# Stages:
#   chef     the Rust toolchain plus cargo-chef
#   planner  reduces the workspace to a recipe of its dependencies (manifests only)
#   cook     builds only the dependencies of SERVICE: this layer stays cached
#            until Cargo.toml/Cargo.lock change, whatever the source edits
#   build    builds the SERVICE binary on top of the cooked dependencies
#   test     `cargo test -p SERVICE` (buildspec.yml runs it with --target test)
#   runtime  distroless, non-root, nothing but the binary (the default target)
#
# The builder is Debian 12 (bookworm) like the runtime, so the binary's glibc
# and OpenSSL are the ones the runtime has.

# Base images are arguments so that a build can pull them through a mirror
# (an ECR pull-through cache avoids Docker Hub's rate limits in CodeBuild);
# the defaults are pinned tags.
# checkov:skip=CKV_DOCKER_7:The FROM lines use these ARGs, whose defaults are pinned tags (rust:1.95-bookworm, cc-debian12:nonroot); checkov cannot see through ARG.
ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS chef
ARG CARGO_CHEF_VERSION=0.1.78
RUN cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}" \
    && rm -rf "${CARGO_HOME:-/usr/local/cargo}/registry"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS cook
ARG SERVICE
RUN case "${SERVICE}" in login|product) ;; \
      *) echo "build with --build-arg SERVICE=login or SERVICE=product (got '${SERVICE}')" >&2; exit 1;; \
    esac
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked -p "${SERVICE}" --bin "${SERVICE}" --recipe-path recipe.json

FROM cook AS build
ARG SERVICE
COPY . .
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# The runtime image has glibc, libgcc_s, libstdc++, libssl3/libcrypto3 and
# nothing else: fail here, not at start in ECS, if the binary needs more.
RUN cargo build --release --locked -p "${SERVICE}" --bin "${SERVICE}" \
    && install -m 0555 "target/release/${SERVICE}" /service \
    && { ldd /service || true; } | awk '/=>|ld-linux|vdso/ {print $1}' \
        | { grep -Ev '^(linux-vdso\.so\.1|(/lib64/|/lib/)?ld-linux-[a-z0-9_-]+\.so\.[0-9]+|lib(c|m|dl|rt|pthread|resolv|util|anl|gcc_s|stdc\+\+|ssl|crypto)\.so\.[0-9]+)$' || true; } \
        > /tmp/extra-libs \
    && if [ -s /tmp/extra-libs ]; then \
         echo "the binary links libraries the runtime image lacks:" >&2; cat /tmp/extra-libs >&2; exit 1; \
       fi

FROM chef AS test
ARG SERVICE
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --tests --locked -p "${SERVICE}" --recipe-path recipe.json
COPY . .
RUN cargo test --locked -p "${SERVICE}"

FROM ${RUNTIME_IMAGE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="crypto-market ${SERVICE}" \
      org.opencontainers.image.description="crypto-market ${SERVICE} service"
COPY --from=build --chown=0:0 --chmod=0555 /service /app/service
# distroless "nonroot": uid/gid 65532. The task definition sets the same user.
USER 65532:65532
WORKDIR /app
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/app/service", "healthcheck"]
ENTRYPOINT ["/app/service"]
