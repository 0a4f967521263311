"""gunicorn settings for AP Forms (`make serve`; see README "Deploying").

Every value can be changed from the environment without editing this file:
GUNICORN_BIND (default 127.0.0.1:8000: a reverse proxy in front terminates HTTPS), WEB_CONCURRENCY
(workers; default from the core count), GUNICORN_THREADS, GUNICORN_TIMEOUT, LOG_FORMAT (default json
here) and GUNICORN_ACCESS_LOG ("-" for stdout, a file, or "off"; default off while the app's own JSON
log has a line per request).
"""

import multiprocessing
import os

import gunicorn.http.wsgi

wsgi_app = "ap_forms:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Workers from the core count (2 per core + 1, at most 9: the database is the limit, not the CPU).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 9))
# Threads, so a sign-in slowed down by the throttle (accounts/throttle.py) or a PDF being drawn
# does not hold a whole worker.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# PDFs (WeasyPrint) and a 10 MB upload over a slow school connection take a while; nothing takes a minute.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so they do not all restart together).
max_requests = 2000
max_requests_jitter = 200
# Each worker imports the app itself, so no database or Redis connection is ever shared across a fork.
preload_app = False

# The app's ProxyFix (PROXY_FIX_* settings) is the one place that trusts X-Forwarded-*: gunicorn's own
# handling of those headers is switched off so the two cannot disagree.
forwarded_allow_ips = ""
secure_scheme_headers = {}

# The app's own log is JSON lines with request ids (ap_forms/web/observability.py), including one line
# per request; so gunicorn's access log is off unless asked for (GUNICORN_ACCESS_LOG=- or a file).
os.environ.setdefault("LOG_FORMAT", "json")

# Access log: method, path (no query string, tokens redacted), status, size, time in ms, user agent.
_access = os.environ.get("GUNICORN_ACCESS_LOG", "-" if os.environ["LOG_FORMAT"] != "json" else "off")
accesslog = None if _access == "off" else _access
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logger_class = "ap_forms.web.serving.AccessLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# No control socket: several gunicorns on one host would fight over its one default path.
control_socket_disable = True

# No software name or version in the Server header (gunicorn sends "Server: gunicorn" otherwise).
gunicorn.http.wsgi.SERVER = "ap-forms"
