"""The compose stack: docker-compose.yml against the Compose Specification's schema
(a vendored copy, deploy/compose-spec/SOURCE.md), the promises it makes, the nginx template
both it and `make e2e` render, and `make e2e` itself where nginx is installed.

No Docker engine runs here: what these tests cannot show (the images starting, the replica
set initiating, InfluxDB reading its token file) is listed in docs/operations.md, "The full
stack in detail"."""

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from config import Config
from config.serving import listening_address

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "deploy/compose-spec/compose-spec.json").read_text())
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
TEMPLATE = (ROOT / "deploy/nginx/templates/default.conf.template").read_text()
SERVICES = COMPOSE["services"]
REPLICAS = sorted(name for name in SERVICES if name.startswith("syncapi-"))
ONE_SHOT = {"mongo-init", "influxdb3-init"}  # run once and exit
INTERPOLATED = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def errors(document):
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def interpolated(value):
    """A compose value as `docker compose` sees it with none of its variables set."""
    return INTERPOLATED.sub(lambda match: match.group(2) or "", str(value))


def test_the_compose_file_follows_the_compose_specification():
    assert errors(COMPOSE) == []


@pytest.mark.parametrize(
    "mistake",
    [
        lambda doc: doc["services"]["nginx"]["healthcheck"].update(tests=["CMD", "true"]),
        lambda doc: doc["services"]["mongo"].update(restart=["always"]),
        lambda doc: doc["services"]["syncapi-1"]["depends_on"]["mongo"].update(condition="up"),
        lambda doc: doc.update(volume={}),
    ],
)
def test_the_schema_catches_a_mistake(mistake):
    document = copy.deepcopy(COMPOSE)
    mistake(document)
    assert errors(document) != []


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES.items():
        if name not in ONE_SHOT:
            assert service["healthcheck"]["test"], name
            assert service["restart"] == "unless-stopped", name


def test_the_stores_keep_their_data_in_named_volumes():
    assert "mongo-data:/data/db" in SERVICES["mongo"]["volumes"]
    assert "influxdb3-data:/var/lib/influxdb3" in SERVICES["influxdb3"]["volumes"]
    assert {"mongo-data", "influxdb3-data", "nginx-certs"} <= set(COMPOSE["volumes"])


def test_mongodb_is_a_one_node_replica_set_healthy_once_it_has_a_primary():
    assert SERVICES["mongo"]["command"][:3] == ["mongod", "--replSet", "rs0"]
    assert "isWritablePrimary" in " ".join(SERVICES["mongo"]["healthcheck"]["test"])
    script = (ROOT / "deploy/mongo/initiate-replica-set.js").read_text()
    assert '_id: "rs0"' in script and 'host: "mongo:27017"' in script
    assert SERVICES["mongo-init"]["command"][-1] == "/deploy/initiate-replica-set.js"


def test_two_replicas_configured_only_by_the_environment():
    assert REPLICAS == ["syncapi-1", "syncapi-2"]
    first, second = (SERVICES[name] for name in REPLICAS)
    assert first == second
    assert first["build"] == "." and "command" not in first and "volumes" not in first
    environment = first["environment"]
    assert environment["AUTH_MODE"] == "required"
    assert first["env_file"] == "deploy/secrets.env"
    assert "replicaSet=rs0" in environment["MONGODB_URI"]
    assert environment["RATELIMIT_STORAGE_URI"].startswith("mongodb://mongo:27017/")
    assert environment["PROXY_COUNT"] == "1"  # nginx is the one hop in front


def test_the_replicas_settings_start_syncapi():
    """What a replica reads: its environment, and the secrets deploy/make-secrets.sh writes."""
    secrets = {"JWT_SECRET": "j" * 48, "METRICS_TOKEN": "m" * 43, "INFLUXDB_TOKEN": "apiv3_x"}
    environ = {
        name: interpolated(value) for name, value in SERVICES["syncapi-1"]["environment"].items()
    }
    config = Config(environ={**environ, **secrets})
    assert (config.AUTH_MODE, config.PROXY_COUNT, config.WEB_CONCURRENCY) == ("required", 1, 2)
    assert config.RATELIMIT_STORAGE_OPTIONS["database_name"] == config.MONGODB_DEFAULT_DB
    assert config.CORS_ALLOWED_ORIGIN == ["https://localhost"]
    assert listening_address(config) == "0.0.0.0:3000"  # nginx reaches it over the network


def test_the_make_secrets_script_writes_what_the_stack_reads(tmp_path):
    script = tmp_path / "make-secrets.sh"
    shutil.copy(ROOT / "deploy/make-secrets.sh", script)
    for _ in range(2):  # a second run keeps the file
        subprocess.run(["sh", str(script)], check=True, capture_output=True)
    lines = (tmp_path / "secrets.env").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if not line.startswith("#"))
    assert set(values) == {"JWT_SECRET", "METRICS_TOKEN", "INFLUXDB_TOKEN"}
    assert re.fullmatch(r"apiv3_[A-Za-z0-9_-]{40,}", values["INFLUXDB_TOKEN"])
    Config(environ={"JWT_SECRET": values["JWT_SECRET"], "METRICS_TOKEN": values["METRICS_TOKEN"]})
    assert (tmp_path / "secrets.env").stat().st_mode & 0o077 == 0
    assert "deploy/secrets.env" in (ROOT / ".gitignore").read_text().splitlines()


def test_syncapi_is_healthy_only_while_ready_and_starts_after_mongodb():
    replica = SERVICES["syncapi-1"]
    assert "http://127.0.0.1:3000/ready" in " ".join(replica["healthcheck"]["test"])
    assert replica["depends_on"] == {"mongo": {"condition": "service_healthy"}}
    assert replica["stop_grace_period"] == "40s"  # beyond GUNICORN_GRACEFUL_TIMEOUT
    assert int(replica["environment"]["GUNICORN_GRACEFUL_TIMEOUT"]) < 40


def test_nginx_starts_once_both_replicas_are_ready_and_upstreams_both():
    nginx = SERVICES["nginx"]
    assert nginx["depends_on"] == {name: {"condition": "service_healthy"} for name in REPLICAS}
    servers = nginx["environment"]["SYNCAPI_UPSTREAM_SERVERS"]
    assert servers == " ".join(f"server {name}:3000;" for name in REPLICAS)
    assert [port.split(":")[-1] for port in nginx["ports"]] == ["80", "443"]
    published = [name for name, service in SERVICES.items() if "ports" in service]
    assert published == ["nginx"]


def test_nginx_caps_bodies_at_syncapis_own_cap():
    nginx_cap = interpolated(SERVICES["nginx"]["environment"]["MAX_CONTENT_LENGTH"])
    replica_cap = interpolated(SERVICES["syncapi-1"]["environment"]["MAX_CONTENT_LENGTH"])
    assert nginx_cap == replica_cap == str(Config(environ={}).MAX_CONTENT_LENGTH)
    assert "client_max_body_size ${MAX_CONTENT_LENGTH};" in TEMPLATE


def test_nginx_cuts_slow_clients_off_at_syncapis_deadline():
    """nginx buffers a body whole before a replica sees it: its own timeouts bound how long a
    silent client keeps a connection; syncapi's bounds the request nginx then sends on."""
    nginx = interpolated(SERVICES["nginx"]["environment"]["REQUEST_BODY_TIMEOUT"])
    replica = interpolated(SERVICES["syncapi-1"]["environment"]["REQUEST_BODY_TIMEOUT"])
    assert nginx == replica == str(Config(environ={}).REQUEST_BODY_TIMEOUT)
    assert "proxy_request_buffering on;" in TEMPLATE
    for directive in ("client_header_timeout", "client_body_timeout"):
        assert f"{directive} ${{REQUEST_BODY_TIMEOUT}}s;" in TEMPLATE


def test_the_template_uses_only_what_the_nginx_service_defines():
    """The image renders only variables its environment defines; any other `${…}` would
    reach nginx as text."""
    used = set(re.findall(r"\$\{(\w+)\}", TEMPLATE))
    assert used == set(SERVICES["nginx"]["environment"]) - {"TLS_HOSTNAME"}


def test_the_template_keeps_metrics_inside_and_sets_the_request_id():
    """nginx's own id goes to syncapi, the client's beside it under another name (syncapi
    trusts the first with PROXY_COUNT=1, and takes the second as the client's only)."""
    assert re.search(r"location ~ \^/metrics\(/\|\$\) \{[^}]*return 404", TEMPLATE)
    assert "proxy_set_header X-Request-ID $request_id;" in TEMPLATE
    assert "proxy_set_header X-Client-Request-ID $syncapi_client_request_id;" in TEMPLATE
    assert "$http_x_request_id;" in TEMPLATE.split("map ")[1]  # only as the client's
    assert '"~^[A-Za-z0-9._-]{1,64}$"' in TEMPLATE  # syncapi's own rule (request_log.py)
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in TEMPLATE


def test_the_certificate_and_scripts_are_executable_where_the_images_run_them():
    for script in ("nginx/tls-certificate.sh", "influxdb3/serve.sh", "make-secrets.sh"):
        assert (ROOT / "deploy" / script).stat().st_mode & 0o111, script
    mounts = SERVICES["nginx"]["volumes"]
    assert any(mount.endswith(":/docker-entrypoint.d/05-tls-certificate.sh:ro") for mount in mounts)
    assert "./deploy/nginx/templates:/etc/nginx/templates:ro" in mounts


def test_influxdb_makes_its_admin_token_from_the_secrets_at_first_start():
    serve = (ROOT / "deploy/influxdb3/serve.sh").read_text()
    assert "--admin-token-file" in serve and 'if [ ! -s "$token_file" ]' in serve
    assert SERVICES["influxdb3"]["env_file"] == "deploy/secrets.env"
    assert SERVICES["syncapi-1"]["environment"]["INFLUXDB_HOST"] == "http://influxdb3:8181"


@pytest.mark.slow  # runs nginx and gunicorn
@pytest.mark.skipif(
    shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin:/bin") is None,
    reason="nginx is not installed (make e2e installs it)",
)
def test_make_e2e_passes():
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy/e2e.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    failed = [line for line in result.stdout.splitlines() if not line.startswith("PASS")]
    assert result.returncode == 0, "\n".join(failed) + result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].endswith(" passed, 0 failed")
