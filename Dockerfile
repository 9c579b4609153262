# AllyDB server image: docs/DOCKER.md explains every line. tests/docker.rs reads this file and
# runs the server and the health check exactly as the ENV, ENTRYPOINT, CMD and HEALTHCHECK
# lines below say, so keep them on one line each (an ENV may continue with backslashes).

# Build stage: the toolchain the project is tested with; --locked builds the exact
# dependency versions of Cargo.lock. The workspace's default members are the server and
# allydb-journal, so this builds both.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# The release profile keeps line tables for profiling (perf, backtraces); the image does not
# need them: 32 MB of the server's binary.
ENV CARGO_PROFILE_RELEASE_STRIP=debuginfo
RUN cargo build --release --locked \
    && cp target/release/allydb target/release/allydb-journal /usr/local/bin/

# Run stage: the same Debian release as the build stage, so the binaries find the glibc they
# were linked against; nothing else is needed at run time.
FROM debian:bookworm-slim
RUN groupadd --system --gid 999 allydb \
    && useradd --system --uid 999 --gid allydb --home-dir /data --shell /usr/sbin/nologin allydb \
    && mkdir /data \
    && chown allydb:allydb /data \
    && chmod 0700 /data
COPY --from=build /usr/local/bin/allydb /usr/local/bin/allydb-journal /usr/local/bin/

# Listen on every interface of the container: Docker's port publishing (-p) decides who can
# reach it, so protected mode is off, as in the official Redis image. Set ALLYDB_REQUIREPASS
# to require a password. Every other setting keeps its default and has its own variable
# (docs/CONFIGURATION.md).
ENV ALLYDB_BIND=0.0.0.0 \
    ALLYDB_PORT=4000 \
    ALLYDB_PROTECTED_MODE=no \
    PERSISTENCE_LOCATION=/data/allydb.tab

VOLUME /data
WORKDIR /data
# By number, so a runtime that cannot look names up in the image still drops root.
USER 999:999
EXPOSE 4000

# `allydb --ping` reads the same ALLYDB_PORT and ALLYDB_REQUIREPASS as the server, connects
# on loopback and exits 0 only on PONG (-LOADING while the journal loads counts as not yet
# healthy), within 3 seconds: no curl or redis-cli in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["allydb", "--ping"]

# SIGTERM (docker stop) makes the server write and sync the journal before exiting; a large
# journal may also be compacted then, so give it time: docker stop -t 60 (docs/DOCKER.md).
STOPSIGNAL SIGTERM
# Arguments after the image name are flags: docker run IMAGE --maxmemory 1gb.
ENTRYPOINT ["allydb"]
