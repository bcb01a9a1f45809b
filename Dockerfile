# The Amauta node for docker-compose: stores come from their URLs (see docker-compose.yml).
# The embedded engines (the [embedded] extra) are left out; with a store URL unset the node refuses
# to start and names the variable.
FROM python:3.11.14-slim-bookworm
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 AMAUTA_DATA_DIR=/data
# The hash-pinned lock first, so code changes reuse the dependency layer.
COPY requirements/production.txt requirements/production.txt
RUN pip install --require-hashes -r requirements/production.txt
COPY pyproject.toml README.md ./
COPY generated ./generated
COPY server ./server
COPY stores ./stores
COPY migrations ./migrations
RUN pip install --no-deps . && useradd --system --home /data amauta && mkdir -p /data && chown amauta /data
USER amauta
VOLUME /data
EXPOSE 50051 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["amauta-node", "health", "--timeout", "4"]
ENTRYPOINT ["amauta-node"]
CMD ["serve"]
