# One image per service: docker build --build-arg SERVICE=login|product .
#
# Stages:
#   chef     the Rust toolchain plus cargo-chef
#   planner  reduces the workspace to a recipe of its dependencies (manifests only)
#   cook     builds only the dependencies of SERVICE: this layer stays cached
#            until Cargo.toml/Cargo.lock change, whatever the source edits
#   build    builds the SERVICE binary on top of the cooked dependencies
#   test     `cargo test -p SERVICE` (buildspec.yml runs it with --target test)
#   rds-ca   fetches the RDS CA bundle (every RDS CA, all regions)
#   runtime  distroless, non-root, the binary and the RDS CA bundle (the default target)
#
# No `# syntax=` line: BuildKit's built-in Dockerfile frontend is used, so a
# build pulls no frontend image from Docker Hub.
#
# The builder is Debian 12 (bookworm) like the runtime, so the binary's glibc
# and OpenSSL are the ones the runtime has.

# Base images are arguments: buildspec.yml passes RUST_IMAGE through the ECR
# pull-through cache of infra/registry.yaml (Docker Hub with the account's own
# credentials, no anonymous pull limits) and RUNTIME_IMAGE as below (gcr.io is
# not a pull-through upstream ECR offers; it has no pull limits). The defaults
# are pinned by digest (tag@sha256:...): a rebuild gets the same bytes.
#
# Bumping them (on a machine that reaches the registries; the digest is the
# multi-platform index digest, which is what a tag@digest pull checks):
#   docker buildx imagetools inspect rust:1.95-bookworm --format '{{json .Manifest.Digest}}'
#   crane digest gcr.io/distroless/cc-debian12:nonroot
# then replace the sha256 below, in one commit that says which tag and date
# (docs/DEPLOY.md, "Base images"). The digests below were copied from public
# references of these tags and not verified from this repository's build
# machine: refresh them before the first production build.
# infra/tests/test_templates.py checks the tag@sha256:<64 hex> form.
# checkov:skip=CKV_DOCKER_7:The FROM lines use these ARGs, whose defaults are pinned by digest; checkov cannot see through ARG.
ARG RUST_IMAGE=rust:1.95-bookworm@sha256:6258907abe69656e41cd992e0b705cdcfabcbbe3db374f92ed2d47121282d4a1
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f

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

# The RDS CA bundle the services verify the database with: DATABASE_URL has
# sslmode=verify-full&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem
# (infra/database.yaml). Fetched over HTTPS from AWS's trust store; pin it with
# --build-arg RDS_CA_BUNDLE_SHA256=<sha256sum of the file> to fail on any change.
FROM ${RUST_IMAGE} AS rds-ca
ARG RDS_CA_BUNDLE_URL=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
ARG RDS_CA_BUNDLE_SHA256=""
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl --proto '=https' --tlsv1.2 -fsSL --retry 3 "${RDS_CA_BUNDLE_URL}" -o /rds-global-bundle.pem \
    && if [ -n "${RDS_CA_BUNDLE_SHA256}" ]; then \
         echo "${RDS_CA_BUNDLE_SHA256}  /rds-global-bundle.pem" | sha256sum -c -; \
       fi \
    && count="$(grep -c 'BEGIN CERTIFICATE' /rds-global-bundle.pem)" \
    && [ "${count}" -ge 1 ] \
    && openssl crl2pkcs7 -nocrl -certfile /rds-global-bundle.pem | openssl pkcs7 -print_certs -noout > /dev/null \
    && echo "RDS CA bundle: ${count} certificates"

FROM ${RUNTIME_IMAGE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="crypto-market ${SERVICE}" \
      org.opencontainers.image.description="crypto-market ${SERVICE} service"
COPY --from=build --chown=0:0 --chmod=0555 /service /app/service
COPY --from=rds-ca --chown=0:0 --chmod=0444 /rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# glibc returns freed blocks of 1 MiB and more (argon2's 19 MiB) to the kernel
# instead of keeping them in the heap; the task definitions set the same.
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576
# distroless "nonroot": uid/gid 65532. The task definition sets the same user.
USER 65532:65532
WORKDIR /app
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/app/service", "healthcheck"]
ENTRYPOINT ["/app/service"]
