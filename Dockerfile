# Paperboy in a container: `docker compose up -d` (compose.yaml), or
#   docker build -t paperboy . && docker run -d --env-file .env -v paperboy-data:/data paperboy
# The database lives on the /data volume (config/docker.yaml, installed as the image's config/config.yaml).

# Builder: the virtualenv, installed exactly as scripts/run.sh installs it (same lock file, same flags).
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.lock ./
RUN /opt/venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY jobs ./jobs
RUN /opt/venv/bin/python -m pip install --quiet --no-deps -e .

# Final: the venv and the code, run as an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin paperboy \
    && mkdir /data && chown paperboy:paperboy /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --from=builder /app ./
COPY config ./config
COPY samples ./samples
COPY config/docker.yaml ./config/config.yaml
USER 10001:10001
VOLUME ["/data"]
# `python -m bot health`: exit 0 when the last cycle finished in time and the database opens.
HEALTHCHECK --interval=5m --timeout=30s --start-period=2m CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot", "run"]
