# syncapi behind gunicorn; the same invocation as `make run` (tests/test_serving.py checks it).
# Operator commands: `./manage <command>`, as in a checkout (README "Operator commands").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 syncapi

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY wsgi.py gunicorn.conf.py manage ./
COPY config ./config
COPY syncapi ./syncapi
COPY static ./static

USER syncapi
EXPOSE 3000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
