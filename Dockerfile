FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CONSTRAINT=/app/scripts/pip-constraints.txt

WORKDIR /app
COPY requirements.txt /app/
COPY scripts/pip-constraints.txt /app/scripts/
RUN pip install --no-cache-dir -r requirements.txt

COPY . /app
# collectstatic needs production's settings (the hashed manifest); placeholders satisfy the
# start-up check, and the real values come from the environment at run time.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build TRUSTED_PROXY_COUNT=0 \
    STRIPE_SECRET_KEY=build STRIPE_PUBLISHABLE_KEY=build STRIPE_WEBHOOK_SECRET=build \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --no-input -v 0 \
 && useradd --system --home /app portal && chown -R portal /app
USER portal

EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "pecportal.wsgi:application"]
