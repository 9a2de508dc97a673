# syntax=docker/dockerfile:1
# One image for every part of streamapp; the command picks the part:
#   docker run IMAGE                      -> streamapp worker (the default)
#   docker run IMAGE dashboard            -> streamapp dashboard
#   docker run IMAGE sink                 -> streamapp sink (the warehouse loader)
#   docker run IMAGE collect reddit --once -> streamapp collect ... (collectors normally
#                                            run inside the workers, on the leader)
# Configuration comes from the environment (see README, "Configuration"); nothing secret
# is baked in: .dockerignore keeps .env, keys, the virtualenv and local data out.

# An exact Python patch release on Debian bookworm (slim). For reproducible rebuilds pin
# the digest too: --build-arg PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest>
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---- build: a virtualenv with the locked dependencies and the app -------------------
FROM ${PYTHON_IMAGE} AS build
# A compiler for any pinned package that ships no wheel for this platform; it stays in
# this stage (the runtime stage below has none).
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/streamapp
WORKDIR /src
# Dependencies first (their own layer: rebuilt only when the lock file changes), pinned
# by constraints.txt, the same lock file `make setup` installs from.
COPY constraints.txt pyproject.toml README.md ./
RUN mkdir -p streamapp agents tables loaders panel_dashboard \
    && /opt/streamapp/bin/pip install -c constraints.txt .
# Then the application itself, only its packages (no tests, bench or local files).
COPY streamapp/ streamapp/
COPY agents/ agents/
COPY tables/ tables/
COPY loaders/ loaders/
COPY panel_dashboard/ panel_dashboard/
RUN /opt/streamapp/bin/pip install --no-deps -c constraints.txt . \
    && /opt/streamapp/bin/python -m compileall -q /opt/streamapp

# ---- runtime: slim, non-root, read-only friendly -------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="streamapp" \
      org.opencontainers.image.description="Faust worker, dashboard and collectors for streaming-platform intelligence" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed numeric uid/gid, so Kubernetes' runAsNonRoot can verify it without a name.
RUN groupadd --system --gid 10001 streamapp \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/streamapp \
       --create-home --shell /usr/sbin/nologin streamapp \
    && mkdir -p /var/lib/streamapp \
    && chown 10001:10001 /var/lib/streamapp
COPY --from=build /opt/streamapp /opt/streamapp
ENV PATH=/opt/streamapp/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
# In a container the web server must listen beyond loopback for probes and scrapes.
ENV STREAMAPP_WEB_HOST=0.0.0.0 STREAMAPP_WEB_PORT=6066
# Tables (RocksDB) and worker data: a volume in Kubernetes (the root fs is read-only).
ENV STREAMAPP_DATA_DIR=/var/lib/streamapp
# Libraries that cache under $HOME write to /tmp instead (an emptyDir in Kubernetes).
ENV MPLCONFIGDIR=/tmp/matplotlib XDG_CACHE_HOME=/tmp/.cache
# What HEALTHCHECK probes; a dashboard container sets its own page here.
ENV STREAMAPP_HEALTHCHECK_URL=http://127.0.0.1:6066/healthz
WORKDIR /var/lib/streamapp
USER 10001:10001
EXPOSE 6066 5006
# Docker / Compose health (Kubernetes uses the manifests' probes instead).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['STREAMAPP_HEALTHCHECK_URL'], timeout=4)"]
ENTRYPOINT ["streamapp"]
CMD ["worker"]
