# The Amauta node; stores come from docker-compose (see docker-compose.yml).
FROM python:3.11-slim-bookworm
WORKDIR /app
ENV PYTHONUNBUFFERED=1 AMAUTA_DATA_DIR=/data
COPY pyproject.toml README.md ./
COPY generated ./generated
COPY server ./server
COPY stores ./stores
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --system --home /data amauta && mkdir -p /data && chown amauta /data
USER amauta
EXPOSE 50051 9464
ENTRYPOINT ["amauta-node"]
CMD ["serve"]
