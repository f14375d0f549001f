# The web app, the Celery worker and Celery beat all run from this image (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango/HarfBuzz for WeasyPrint (libharfbuzz-subset0 makes Chinese PDFs 10-20x faster),
# BabelStone Han for CJK Extensions B-G on documents, zbar and poppler (pdftoppm) to read the
# QR code of uploaded scans, gettext for the message catalogue; health checks use Python itself.
# pg_dump/pg_restore for `manage.py backup`/`restore`: from PostgreSQL's own apt repository, because
# pg_dump must be at least the server's major version (the db service runs postgres:16, Debian 12 ships 15).
ARG PG_MAJOR=16
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libjpeg62-turbo libopenjp2-7 gettext \
      fonts-babelstone-han libzbar0 poppler-utils postgresql-client-${PG_MAJOR} \
 && apt-get purge -y curl && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
# Build steps load the settings, which refuse to start without secrets: give them throwaway ones here only
# (the running containers get theirs from docker-compose.yml's environment).
RUN export SECRET_KEY=build-only-not-a-secret SIGNING_P12_PASSWORD=build-only-not-a-secret \
 && python manage.py compilemessages -v0 --ignore=.venv \
 && python manage.py collectstatic --noinput -v0 \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /app/media /app/var \
 && chown -R app:app /app/media /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
