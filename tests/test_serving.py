"""`make run` and the Docker image start the same gunicorn, which serves the embedded store."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def make_run_command():
    """The argv `make run` executes, with the virtualenv's path taken off the program."""
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    program, *args = dry_run.stdout.strip().splitlines()[-1].split()
    return [Path(program).name, *args]


def docker_command():
    match = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    return json.loads(match.group(1))


def test_the_image_runs_what_make_run_runs():
    assert (
        make_run_command()
        == docker_command()
        == [
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "wsgi:app",
        ]
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def wait_until_serving(base, server):
    for _ in range(200):
        if server.poll() is not None:
            raise AssertionError(server.stderr.read())
        try:
            return call("GET", f"{base}/api/organizations")
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def test_gunicorn_serves_the_embedded_store_with_one_worker():
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "4"}
    env.pop("MONGODB_URI", None)
    _, *args = docker_command()
    server = subprocess.Popen(
        [str(GUNICORN), *args], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(base, server) == (200, [])
        status, body = call("PUT", f"{base}/api/organizations/acme", {"name": "Acme"})
        assert (status, body["name"]) == (201, "Acme")
        status, body = call("GET", f"{base}/api/organizations")
        assert [item["id"] for item in body] == ["acme"]
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    first_line = log.splitlines()[0]
    assert "embedded mongomock store" in first_line
    assert "exactly 1 worker" in first_line
    assert len(re.findall(r"Booting worker", log)) == 1
