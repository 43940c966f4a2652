# Image for web, worker and beat. Everything it serves comes from the image (no CDN).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/zhongshan-care
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
RUN pip install --no-cache-dir -e .
COPY . .
RUN DJANGO_SECRET_KEY=build ID_HASH_KEY=build FIELD_ENCRYPTION_KEY=build python manage.py collectstatic --noinput \
    && useradd --system --home /app care && mkdir -p $VAR_DIR && chown care $VAR_DIR
USER care
EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py (sized from the CPU count; env overrides).
CMD ["gunicorn", "zhongshan_care.wsgi:application", "--bind", "0.0.0.0:8000"]
