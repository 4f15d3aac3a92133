"""The flags both sides of the HTTP rows start with, given by `-c` so that gunicorn does not
read the project's `gunicorn.conf.py` from the working directory: one sync worker (one
request at a time, as the issue measures), no access log."""

workers = 1
worker_class = "sync"
accesslog = None
loglevel = "warning"
preload_app = False
timeout = 120
control_socket_disable = True  # gunicorn 27's control socket: one default path for all six
