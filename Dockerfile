# Pennydrop: a multi-stage build. The first stage compiles the release binary exactly as
# `cargo build --release --locked -p pennydrop` does here; the runtime image holds only that
# binary, CA certificates and a non-root user. Build and run:
#   docker build -t pennydrop .
#   docker run -p 8080:8080 -v pennydrop-data:/var/lib/pennydrop pennydrop
# tests/deploy.rs checks this file's promises (release --locked build, non-root, volume,
# health check).

FROM rust:1-slim-bookworm AS build
# aws-lc-sys (TLS for SFTP) builds C code; cmake covers its fallback build.
RUN apt-get update && apt-get install -y --no-install-recommends cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p pennydrop \
    && install -Dm755 target/release/pennydrop /out/pennydrop

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/pennydrop --shell /usr/sbin/nologin pennydrop \
    && install -d -o pennydrop -g pennydrop -m 0700 /var/lib/pennydrop
COPY --from=build /out/pennydrop /usr/local/bin/pennydrop
USER pennydrop
WORKDIR /var/lib/pennydrop
ENV PENNYDROP_DATA_DIR=/var/lib/pennydrop \
    PENNYDROP_LISTEN=0.0.0.0:8080 \
    PENNYDROP_LOG_FORMAT=json
VOLUME ["/var/lib/pennydrop"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["/usr/local/bin/pennydrop"]
CMD ["serve"]
