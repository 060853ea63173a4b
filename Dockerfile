# nlq's app container (docs/deployment.md). It installs and starts nlq with the same scripts as a local
# install (scripts/venv.sh, scripts/start.sh), runs as a non-root user, and takes its configuration only
# from NLQ_* environment variables and a mounted
# /app/.streamlit/secrets.toml (or its text in SECRETS_TOML). With no database configured it builds the demo database on first start.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    NLQ_DATA_DIR=/app/data

RUN groupadd --system --gid 10001 nlq \
    && useradd --system --uid 10001 --gid nlq --home-dir /app --shell /usr/sbin/nologin nlq

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements*.txt ./
COPY scripts/venv.sh scripts/venv.sh
RUN bash scripts/venv.sh requirements.txt

COPY . .
# secrets.toml is mounted, or written at start from SECRETS_TOML (scripts/secrets-from-env.sh): the one file in
# .streamlit the app's user may write.
RUN mkdir -p /app/data && chown -R nlq:nlq /app/data \
    && touch .streamlit/secrets.toml && chown nlq:nlq .streamlit/secrets.toml && chmod 600 .streamlit/secrets.toml

USER 10001:10001
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/app/.venv/bin/python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
CMD ["bash", "scripts/start.sh"]
