"""gunicorn settings for zicht's web processes (scale-out). Used by deploy/systemd/zicht-web.service,
the Procfile and the benchmarks: ``gunicorn zicht.wsgi:application --config deploy/gunicorn.conf.py``.

Numbers measured on a 2-core machine are in docs/benchmarks.md; override with environment variables.
"""

import multiprocessing
import os

bind = os.environ.get("ZICHT_BIND", "127.0.0.1:8000")
# Sync workers: every request is short (a page or one submit), the database does the waiting.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("ZICHT_WORKER_CLASS", "sync")
threads = int(os.environ.get("ZICHT_WEB_THREADS", 1))
backlog = 2048  # many phones at 12:00 on Thursday wait in the queue rather than being refused
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then; jitter keeps them from restarting together
max_requests_jitter = 500
accesslog = os.environ.get("ZICHT_ACCESS_LOG", "-")
# Request time in microseconds at the end (%(D)s): the server time that docs/benchmarks.md reports.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)s'
forwarded_allow_ips = os.environ.get("ZICHT_FORWARDED_ALLOW_IPS", "127.0.0.1")
