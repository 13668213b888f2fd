# Kassa in a container: a build stage with the Rust toolchain, a slim Debian runtime with the
# one binary. SQLite and libpq are compiled into it and TLS is rustls with bundled roots, so
# the runtime needs nothing but glibc (ldd: libc, libm, libgcc_s).
#
#   docker build -t kassa .
#   docker run -d -p 8080:8080 -v kassa-data:/var/lib/kassa -e KASSA_ADMIN_TOKEN=… kassa
#
# docs/operations.md says what of this was tried: no Docker engine was at hand where it was
# written, so the image itself has not been built; its commands were run by hand on Debian 12.

FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin kassa

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 kassa \
    && useradd --system --uid 10001 --gid kassa --create-home --home-dir /var/lib/kassa \
       --shell /usr/sbin/nologin kassa
COPY --from=build /src/target/release/kassa /usr/local/bin/kassa
USER 10001:10001
WORKDIR /var/lib/kassa
ENV KASSA_LISTEN=0.0.0.0:8080 \
    DATABASE_URL=/var/lib/kassa/kassa.db \
    RUST_LOG=info
VOLUME ["/var/lib/kassa"]
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/kassa"]
CMD ["serve"]
