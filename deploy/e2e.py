"""`make e2e`: nginx → gunicorn → syncapi on this machine, through the compose stack's own
nginx template, with the embedded store in place of MongoDB (no Docker engine needed).

It renders deploy/nginx/templates/default.conf.template the way the nginx image does
(`envsubst` of the variables the environment defines) with a local upstream, makes a
self-signed certificate with the script the image runs, checks the result with `nginx -t`,
starts gunicorn (AUTH_MODE=required, PROXY_COUNT=1, as in the stack) and nginx, and replays
requests through nginx over HTTPS. Each check prints one line; the exit status is 1 when one
failed. `tests/test_deploy.py` runs it too, where nginx is installed.
"""

import gzip
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from e2e_bodies import check_bodies  # noqa: E402 (deploy/, beside this file)

from syncapi.core import tokens  # noqa: E402

TEMPLATE = ROOT / "deploy/nginx/templates/default.conf.template"
CERTIFICATE_SCRIPT = ROOT / "deploy/nginx/tls-certificate.sh"
MAX_CONTENT_LENGTH = 6 * 1024 * 1024
REQUEST_BODY_TIMEOUT = 2  # seconds: short, so that the slow clients' checks are
JWT_SECRET = "e2e-secret-of-at-least-32-bytes-long!"
METRICS_TOKEN = "e2e-metrics-token-of-at-least-32-bytes"
ORIGIN = "https://console.example"
PASSWORD = "a long e2e passphrase"
NGINX_ID = re.compile(r"[0-9a-f]{32}")

MAIN_CONF = """
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {work}/tmp/body;
    proxy_temp_path {work}/tmp/proxy;
    fastcgi_temp_path {work}/tmp/fastcgi;
    uwsgi_temp_path {work}/tmp/uwsgi;
    scgi_temp_path {work}/tmp/scgi;
    include {work}/conf.d/*.conf;
}}
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_program():
    """nginx, also where Debian puts it outside an ordinary user's PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def render(template, variables):
    """As the nginx image does: envsubst, told which variables to replace (those defined)."""
    listed = " ".join(f"${{{name}}}" for name in variables)
    result = subprocess.run(
        ["envsubst", listed],
        input=template.read_text(),
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


class Stack:
    """nginx and gunicorn in a scratch directory; `stop` ends both."""

    def __init__(self):
        self.work = Path(tempfile.mkdtemp(prefix="syncapi-e2e-"))
        self.work.chmod(0o755)  # nginx's workers (another user when run as root) read it
        self.app_port, self.https_port, self.http_port = free_port(), free_port(), free_port()
        self.processes = {}

    def prepare(self):
        certificates = self.work / "certs"
        subprocess.run(
            ["sh", str(CERTIFICATE_SCRIPT)],
            env={**os.environ, "TLS_DIR": str(certificates)},
            check=True,
            capture_output=True,
        )
        (self.work / "conf.d").mkdir()
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.work / "tmp" / name).mkdir(parents=True)
            (self.work / "tmp" / name).chmod(0o777)
        variables = {
            "SYNCAPI_UPSTREAM_SERVERS": f"server 127.0.0.1:{self.app_port};",
            "MAX_CONTENT_LENGTH": str(MAX_CONTENT_LENGTH),
            "REQUEST_BODY_TIMEOUT": str(REQUEST_BODY_TIMEOUT),
            "NGINX_HTTP_PORT": f"127.0.0.1:{self.http_port}",
            "NGINX_HTTPS_PORT": f"127.0.0.1:{self.https_port}",
            "NGINX_PUBLIC_HTTPS_PORT": str(self.https_port),
            "TLS_DIR": str(certificates),
        }
        (self.work / "conf.d/default.conf").write_text(render(TEMPLATE, variables))
        (self.work / "nginx.conf").write_text(MAIN_CONF.format(work=self.work))
        return subprocess.run(self.nginx("-t"), capture_output=True, text=True)

    def nginx(self, *args):
        conf, errors = str(self.work / "nginx.conf"), str(self.work / "error.log")
        return [nginx_program(), "-p", str(self.work), "-c", conf, "-e", errors, *args]

    def start(self):
        environ = {
            **os.environ,
            "PORT": str(self.app_port),
            "BIND": "127.0.0.1",  # nginx, beside it, is its one caller
            "MONGODB_URI": "mongomock://localhost",
            "AUTH_MODE": "required",
            "JWT_SECRET": JWT_SECRET,
            "CORS_ALLOWED_ORIGIN": ORIGIN,
            "PROXY_COUNT": "1",
            "METRICS_TOKEN": METRICS_TOKEN,
            "MAX_CONTENT_LENGTH": str(MAX_CONTENT_LENGTH),
            "REQUEST_BODY_TIMEOUT": str(REQUEST_BODY_TIMEOUT),
            "PROMETHEUS_MULTIPROC_DIR": str(self.work / "metrics"),
        }
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.processes["gunicorn"] = self.spawn(
            [str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"], environ, "gunicorn"
        )
        self.processes["nginx"] = self.spawn(self.nginx("-g", "daemon off;"), None, "nginx")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} stopped: {self.log(name)}")
            try:
                if self.https("GET", "/status")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("nginx → gunicorn did not answer within 30 s")

    def spawn(self, argv, environ, name):
        output = (self.work / f"{name}.log").open("w")
        return subprocess.Popen(argv, cwd=ROOT, env=environ, stdout=output, stderr=output)

    def log(self, name):
        return (self.work / f"{name}.log").read_text()

    def stop(self, name=None):
        for process_name in [name] if name else list(self.processes):
            process = self.processes.pop(process_name)
            process.terminate()
            process.wait(timeout=60)

    def https(self, method, path, body=None, headers=None, send_body=True):
        connection = http.client.HTTPSConnection(
            "localhost", self.https_port, context=self.tls_context(), timeout=10
        )
        return self._exchange(connection, method, path, body, headers, send_body)

    def tls_context(self):
        return ssl.create_default_context(cafile=self.work / "certs/tls.crt")

    def tls_socket(self):
        """A TLS connection to nginx, for requests http.client cannot send (a stalled body)."""
        plain = socket.create_connection(("127.0.0.1", self.https_port), timeout=10)
        return self.tls_context().wrap_socket(plain, server_hostname="localhost")

    def http(self, method, path, port=None):
        connection = http.client.HTTPConnection("127.0.0.1", port or self.http_port, timeout=10)
        return self._exchange(connection, method, path, None, None, True)

    @staticmethod
    def _exchange(connection, method, path, body, headers, send_body):
        headers = dict(headers or {})
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        if isinstance(body, dict):
            headers["Content-Type"] = "application/json"
        try:
            if send_body:
                connection.request(method, path, body=data, headers=headers)
            else:  # only the headers: a server refusing the declared length answers at once
                connection.putrequest(method, path)
                for name, value in headers.items():
                    connection.putheader(name, value)
                connection.endheaders()
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


def header(headers, name):
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def check_through_nginx(stack):
    """(name, passed, detail) of each check; the stack is running."""
    results = []

    def check(name, passed, detail=""):
        results.append((name, bool(passed), detail))

    admin = {"Authorization": "Bearer " + tokens.issue(JWT_SECRET, "root", ["*"], "admin", 600)[0]}

    status, headers, body = stack.https("GET", "/status")
    request_id = header(headers, "X-Request-ID") or ""
    check(
        "GET /status over TLS: 200, with nginx's request id",
        status == 200
        and json.loads(body) == {"message": "Sync API is running"}
        and NGINX_ID.fullmatch(request_id),
        f"{status} {request_id}",
    )
    check("nginx names no version", header(headers, "Server") == "nginx", header(headers, "Server"))

    traced = {"X-Request-ID": "e2e-trace.1", "X-Client-Request-ID": "forged"}
    status, headers, _ = stack.https("GET", "/status", headers=traced)
    traced_id = header(headers, "X-Request-ID") or ""
    check(
        "a client's X-Request-ID is not the request's id: nginx's is",
        NGINX_ID.fullmatch(traced_id) and traced_id != request_id,
        traced_id,
    )

    status, headers, body = stack.https(
        "GET", "/api/organizations", headers={"X-Request-ID": "e2e-401"}
    )
    check(
        "a 401 carries the request id in its body",
        status == 401
        and NGINX_ID.fullmatch(json.loads(body).get("requestId", ""))
        and json.loads(body)["requestId"] == header(headers, "X-Request-ID"),
        f"{status} {body[:120]!r}",
    )

    traced = {**admin, "X-Request-ID": "e2e-change"}
    status, headers, body = stack.https("PUT", "/api/organizations/acme", {"name": "Acme"}, traced)
    check("a platform admin creates an organization", status == 201, f"{status} {body[:120]!r}")
    change_id = header(headers, "X-Request-ID")
    status, headers, body = stack.https("GET", "/api/organizations/acme/changes", None, admin)
    entry = json.loads(body)[0] if status == 200 else {}
    check(
        "its change-log entry names nginx's request id, the client's beside it, and the jti",
        (entry.get("requestId"), entry.get("clientRequestId")) == (change_id, "e2e-change")
        and entry["actor"]["jti"]
        and header(headers, "Cache-Control") == "no-store",
        f"{status} {body[:200]!r}",
    )
    user = {"name": "Ana", "email": "ana@acme.io", "role": "user", "password": PASSWORD}
    status, _, body = stack.https("POST", "/api/organizations/acme/users", user, admin)
    check("…and a user with a password", status == 201, f"{status} {body[:120]!r}")
    login = {"organizationId": "acme", "email": "ana@acme.io", "password": PASSWORD}
    status, headers, body = stack.https("POST", "/api/auth/login", login)
    cookie = header(headers, "Set-Cookie") or ""
    check(
        "a login over HTTPS sets a Secure cookie (X-Forwarded-Proto, PROXY_COUNT=1)",
        status == 200 and "Secure" in cookie.split("; "),
        f"{status} {cookie[:80]}",
    )
    token = json.loads(body).get("accessToken", "") if status == 200 else ""
    status, _, _ = stack.https("POST", "/api/auth/login", {**login, "password": "wrong guess!"})
    check("a wrong password is a 401", status == 401, f"{status}")

    check_weak_etags(stack, admin, check)
    check_bodies(stack, admin, check, REQUEST_BODY_TIMEOUT)

    status, _, body = stack.https("GET", "/ready")
    check(
        "GET /ready through nginx",
        status == 200
        and json.loads(body) == {"status": "ready", "mongodb": "ok", "influxdb": "embedded"},
        f"{status} {body!r}",
    )

    upload = {
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(MAX_CONTENT_LENGTH + 1),
        "X-Request-ID": "e2e-413",
        **admin,
    }
    status, headers, body = stack.https(
        "POST", "/api/library/upload", headers=upload, send_body=False
    )
    too_large_id = header(headers, "X-Request-ID") or ""
    check(
        "an upload over the cap: 413 from nginx, as JSON, with nginx's request id",
        status == 413
        and header(headers, "Content-Type") == "application/json"
        and json.loads(body) == {"error": "Payload too large", "requestId": too_large_id}
        and NGINX_ID.fullmatch(too_large_id),
        f"{status} {body[:120]!r}",
    )
    at_cap = b"x" * MAX_CONTENT_LENGTH
    status, headers, body = stack.https(
        "POST", "/api/library/upload", at_cap, {"Content-Type": "application/octet-stream", **admin}
    )
    check(
        "an upload at the cap reaches syncapi (it answers itself)",
        status == 400 and header(headers, "X-Content-Type-Options") == "nosniff",
        f"{status} {body[:120]!r}",
    )

    status, _, body = stack.https(
        "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    check("/metrics is not served through nginx", status == 404, f"{status} {body[:80]!r}")
    direct = http.client.HTTPConnection("127.0.0.1", stack.app_port, timeout=10)
    status, _, body = Stack._exchange(
        direct, "GET", "/metrics", None, {"Authorization": f"Bearer {METRICS_TOKEN}"}, True
    )
    text = body.decode()
    check(
        "…but the replica serves it with METRICS_TOKEN, by route template",
        status == 200
        and 'route="/api/organizations/<organization_id>"' in text
        and 'syncapi_login_failures_total{reason="wrong credentials"} 1.0' in text
        and "syncapi_workers 1.0" in text,
        f"{status}",
    )
    direct = http.client.HTTPConnection("127.0.0.1", stack.app_port, timeout=10)
    status, _, _ = Stack._exchange(direct, "GET", "/metrics", None, admin, True)
    check("…and never with a platform admin's token", status == 401, f"{status}")

    status, headers, _ = stack.http("GET", "/api/organizations?x=1")
    https_url = f"https://127.0.0.1:{stack.https_port}/api/organizations?x=1"  # as asked
    check(
        "plain HTTP redirects to HTTPS, on its published port",
        status == 301 and header(headers, "Location") == https_url,
        f"{status} {header(headers, 'Location')}",
    )
    long_uri = "/" + "x" * 20_000
    status, headers, body = stack.https("GET", long_uri, headers={"X-Request-ID": "e2e-414"})
    answered = json.loads(body) if status == 414 else {}
    check(  # refused before its headers are read: the id is nginx's own
        "a URI too long for nginx: 414 as JSON, with nginx's request id",
        answered.get("error") == "URI too long"
        and re.fullmatch(r"[0-9a-f]{32}", answered.get("requestId", "")) is not None
        and answered["requestId"] == header(headers, "X-Request-ID"),
        f"{status} {body[:120]!r}",
    )

    time.sleep(0.5)  # the access log lines are written as the answers go
    app_lines = [json.loads(line) for line in stack.log("gunicorn").splitlines()]
    traced = [line for line in app_lines if line.get("request_id") == traced_id]
    check(
        "syncapi logged the traced request as one JSON line, the client's id beside nginx's",
        len(traced) == 1
        and traced[0]["route"] == "/status"
        and traced[0]["status"] == 200
        and traced[0].get("client_request_id") == "e2e-trace.1",
        json.dumps(traced)[:200],
    )
    nginx_lines = [
        json.loads(line) for line in stack.log("nginx").splitlines() if line.startswith("{")
    ]
    check(
        "nginx logged it with the same ids",
        any(
            (line["request_id"], line.get("client_request_id")) == (traced_id, "e2e-trace.1")
            for line in nginx_lines
        ),
        f"{len(nginx_lines)} nginx lines",
    )
    check(
        "an id nginx made is the one syncapi answered and logged",
        any(line["request_id"] == request_id for line in nginx_lines)
        and any(line.get("request_id") == request_id for line in app_lines),
        request_id,
    )
    everything = stack.log("gunicorn") + stack.log("nginx")
    check(
        "no token or password in either log",
        all(
            secret not in everything
            for secret in (PASSWORD, "wrong guess!", token or "-", admin["Authorization"][7:])
        ),
    )

    stack.stop("gunicorn")
    status, headers, body = stack.https("GET", "/status", headers={"X-Request-ID": "e2e-502"})
    check(
        "with syncapi down, nginx answers 502 as JSON",
        status == 502
        and json.loads(body)
        == {"error": "syncapi unavailable", "requestId": header(headers, "X-Request-ID")},
        f"{status} {body[:120]!r}",
    )
    return results


def check_weak_etags(stack, admin, check):
    """nginx compresses an answer of 1 KB or more for a client that takes gzip (a browser
    always does) and weakens its ETag: syncapi takes that weak ETag back in `If-Match` as the
    version it names (docs/api.md "Conditional requests")."""
    application = {"applicationId": "lathes", "name": "Lathes"}
    stack.https("POST", "/api/organizations/acme/applications", application, admin)
    devices = "/api/organizations/acme/applications/lathes/devices"
    device = {"machineId": "E2E-1", "properties": {"note": "x" * 2000}}
    status, _, body = stack.https("POST", devices, device, admin)
    check("a device of more than 1 KB is created", status == 201, f"{status} {body[:120]!r}")
    gzipped = {"Accept-Encoding": "gzip", **admin}
    status, headers, body = stack.https("GET", f"{devices}/E2E-1", headers=gzipped)
    tag = header(headers, "ETag") or ""
    check(
        "read with gzip through nginx: compressed, its ETag weak",
        status == 200
        and header(headers, "Content-Encoding") == "gzip"
        and json.loads(gzip.decompress(body))["machineId"] == "E2E-1"
        and re.fullmatch(r'W/"[0-9a-f]{24}-1"', tag) is not None,
        f"{status} {header(headers, 'Content-Encoding')} {tag}",
    )
    conditional = {"If-Match": tag, **gzipped}
    status, headers, body = stack.https("PUT", f"{devices}/E2E-1", {"name": "L"}, conditional)
    check(
        "a PUT sending that weak ETag back in If-Match writes (200)",
        status == 200 and (header(headers, "ETag") or "").endswith('-2"'),
        f"{status} {header(headers, 'ETag')} {body[:120]!r}",
    )
    status, _, body = stack.https("PUT", f"{devices}/E2E-1", {"name": "M"}, conditional)
    check("…and sending it again, now stale, is a 412", status == 412, f"{status} {body[:120]!r}")


def run():
    """Every check, printed; True when all passed."""
    if nginx_program() is None or shutil.which("envsubst") is None:
        print("e2e: nginx or envsubst missing (make e2e installs both from Debian's packages)")
        return False
    stack = Stack()
    try:
        tested = stack.prepare()
        print(f"{'PASS' if tested.returncode == 0 else 'FAIL'}  nginx -t of the rendered template")
        if tested.returncode != 0:
            print(tested.stderr)
            return False
        stack.start()
        results = check_through_nginx(stack)
    finally:
        for name in list(stack.processes):
            stack.stop(name)
    for name, passed, detail in results:
        print(f"{'PASS' if passed else 'FAIL'}  {name}" + ("" if passed else f"  ({detail})"))
    failed = [name for name, passed, _ in results if not passed]
    print(f"{len(results) + 1 - len(failed)} passed, {len(failed)} failed")
    if not failed:
        shutil.rmtree(stack.work, ignore_errors=True)
    else:
        print(f"logs kept in {stack.work}")
    return not failed


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
