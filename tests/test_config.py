"""Settings (spec README §1): read by environs from the environment, or from the mapping a
test passes; a value the process cannot run with stops the start with one line."""

import subprocess
import sys
from pathlib import Path

import pytest

from config import Config, ConfigError, duration
from config.serving import listening_address
from tests.helpers import JWT_SECRET

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = "https://console.example"
REAL = {"MONGODB_URI": "mongodb://db:27017/"}
SECRET = {"JWT_SECRET": JWT_SECRET, "CORS_ALLOWED_ORIGIN": CONSOLE}


# Defaults and accepted forms


def test_defaults_need_no_external_server():
    config = Config(environ={})
    assert config.MONGODB_URI == "mongomock://localhost"
    assert config.MONGODB_DEFAULT_DB == "syncapi"
    assert config.PORT == 3000
    assert config.CORS_ALLOWED_ORIGIN == "*"
    assert config.INFLUXDB_STATS_DATABASE == "server__stats"
    assert (config.INFLUXDB_HOST, config.INFLUXDB_QUERY_TIMEOUT) == ("", 5.0)
    assert config.ANALYTICS_CACHE_SECONDS == 15
    assert config.ICONS_DIR == "static/icons"


@pytest.mark.parametrize(
    "host", ["http://influxdb:8181", "https://influx.example.com:443", "http://[::1]:8181"]
)
def test_an_influxdb_host_with_its_port_is_accepted(host):
    assert Config(environ={"INFLUXDB_HOST": host}).INFLUXDB_HOST == host


@pytest.mark.parametrize(
    ("environ", "default_db"),
    [
        ({"MONGODB_URI": "mongodb://db:27017/legacy?authSource=admin"}, "legacy"),
        ({"MONGODB_URI": "mongodb://db:27017/", "MONGODB_DEFAULT_DB": "test"}, "test"),
        ({"MONGODB_URI": "mongodb+srv://cluster.example.net"}, "syncapi"),
    ],
)
def test_default_database_comes_from_the_setting_or_the_uri(environ, default_db):
    assert Config(environ={**environ, "AUTH_MODE": "off"}).MONGODB_DEFAULT_DB == default_db


def test_auth_is_required_by_default_on_a_real_server():
    config = Config(environ={**REAL, **SECRET, "JWT_TTL": "15m"})
    assert (config.AUTH_MODE, config.JWT_TTL) == ("required", 900)
    assert Config(environ={**REAL, "AUTH_MODE": "off"}).AUTH_MODE == "off"


def test_a_mongodb_rate_limit_storage_lives_in_the_shared_database():
    config = Config(
        environ={"RATELIMIT_STORAGE_URI": "mongodb://db:27017", "MONGODB_TIMEOUT_MS": "900"}
    )
    options = config.RATELIMIT_STORAGE_OPTIONS
    assert options["database_name"] == config.MONGODB_DEFAULT_DB == "syncapi"
    assert (options["timeoutMS"], options["connect"]) == (900, False)
    assert Config(environ={}).RATELIMIT_STORAGE_OPTIONS == {}


@pytest.mark.parametrize(
    ("environ", "address"),
    [
        ({}, "127.0.0.1:3000"),  # the embedded store: authentication off, this machine only
        ({"AUTH_MODE": "off", **REAL}, "127.0.0.1:3000"),
        ({**REAL, **SECRET}, "0.0.0.0:3000"),  # a token required: every interface
        ({"AUTH_MODE": "required", **SECRET, "PORT": "8080"}, "0.0.0.0:8080"),
        ({"BIND": "0.0.0.0"}, "0.0.0.0:3000"),  # opened on purpose
        ({**REAL, **SECRET, "BIND": " 127.0.0.1 "}, "127.0.0.1:3000"),
        ({"BIND": "192.168.1.20"}, "192.168.1.20:3000"),
        ({"BIND": "::"}, "[::]:3000"),
        ({"BIND": "localhost"}, "localhost:3000"),
    ],
)
def test_the_server_listens_on_this_machine_only_while_nobody_signs_in(environ, address):
    assert listening_address(Config(environ=environ)) == address


def test_the_organization_tag_is_optional():
    assert Config(environ={}).INFLUXDB_ORG_TAG == ""
    assert Config(environ={"INFLUXDB_ORG_TAG": " org_Id "}).INFLUXDB_ORG_TAG == "org_Id"


@pytest.mark.parametrize(
    ("environ", "setting", "value"),
    [
        ({"PORT": " 8080 "}, "PORT", 8080),
        ({"PORT": "   "}, "PORT", 3000),  # blank: unset, the default
        ({}, "MONGODB_WRITE_TIMEOUT_MS", 15000),  # longer than an election
        ({}, "ORGANIZATION_DATABASES", ""),  # unset: every database the id rule admits
        ({}, "INDEX_BUILD_SECONDS", 600),
        ({"INDEX_BUILD_SECONDS": "3600"}, "INDEX_BUILD_SECONDS", 3600),
        ({"ORGANIZATION_DATABASES": "org-.*|acme"}, "ORGANIZATION_DATABASES", "org-.*|acme"),
        ({"MONGODB_WRITE_TIMEOUT_MS": "30000"}, "MONGODB_WRITE_TIMEOUT_MS", 30000),
        ({"ORGANIZATION_ID": " "}, "ORGANIZATION_ID", "autentiodev"),
        ({"INFLUXDB_QUERY_TIMEOUT": "0.5"}, "INFLUXDB_QUERY_TIMEOUT", 0.5),
        ({"SEED_DEMO": "1"}, "SEED_DEMO", True),
        ({"SEED_DEMO": "off"}, "SEED_DEMO", False),
        ({"SESSION_COOKIE_SECURE": "true"}, "SESSION_COOKIE_SECURE", True),
        ({"SESSION_COOKIE_SECURE": ""}, "SESSION_COOKIE_SECURE", False),
        ({}, "REQUEST_LOG", True),
        ({"REQUEST_LOG": "0"}, "REQUEST_LOG", False),
        ({"JWT_TTL": "3600"}, "JWT_TTL", 3600),
        ({"JWT_TTL": "90s"}, "JWT_TTL", 90),
        ({"JWT_TTL": "15M"}, "JWT_TTL", 900),
        ({"JWT_TTL": "30d"}, "JWT_TTL", 30 * 86400),
        ({"JWT_TTL": "366d"}, "JWT_TTL", 366 * 86400),
        ({"AUTH_MODE": "OFF"}, "AUTH_MODE", "off"),
        ({"GUNICORN_THREADS": "8"}, "GUNICORN_THREADS", 8),
        ({"GUNICORN_GRACEFUL_TIMEOUT": "45"}, "GUNICORN_GRACEFUL_TIMEOUT", 45),
        ({}, "REQUEST_BODY_TIMEOUT", 5),
        ({"REQUEST_BODY_TIMEOUT": "30"}, "REQUEST_BODY_TIMEOUT", 30),
        ({}, "MAX_JSON_BYTES", 1024 * 1024),
        ({"MAX_JSON_BYTES": "65536"}, "MAX_JSON_BYTES", 65536),
        ({"METRICS_TOKEN": " " + "m" * 32 + " "}, "METRICS_TOKEN", "m" * 32),
        ({"METRICS_TOKEN": ""}, "METRICS_TOKEN", ""),
        (
            {"CORS_ALLOWED_ORIGIN": " https://a.example , http://b.example:8080,"},
            "CORS_ALLOWED_ORIGIN",
            ["https://a.example", "http://b.example:8080"],
        ),
        ({"CORS_ALLOWED_ORIGIN": "https://a.example,*"}, "CORS_ALLOWED_ORIGIN", "*"),
    ],
)
def test_each_setting_is_parsed_from_its_text(environ, setting, value):
    assert getattr(Config(environ=environ), setting) == value


def test_without_a_mapping_the_process_environment_is_read(monkeypatch):
    monkeypatch.setenv("PORT", "8081")
    monkeypatch.setenv("JWT_TTL", "2h")
    config = Config()
    assert (config.PORT, config.JWT_TTL) == (8081, 7200)


# Refused values: one line naming the variable and the form


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"WEB_CONCURRENCY": "many"}, "WEB_CONCURRENCY"),
        ({"MONGODB_URI": "postgres://db"}, "MONGODB_URI"),
        ({"MONGODB_TIMEOUT_MS": "-5"}, "MONGODB_TIMEOUT_MS"),
        ({"MONGODB_WRITE_TIMEOUT_MS": "0"}, "MONGODB_WRITE_TIMEOUT_MS"),
        ({"INDEX_BUILD_SECONDS": "0"}, "INDEX_BUILD_SECONDS"),
        ({"INDEX_BUILD_SECONDS": "10m"}, "INDEX_BUILD_SECONDS"),
        ({"MONGODB_WRITE_TIMEOUT_MS": "15s"}, "MONGODB_WRITE_TIMEOUT_MS"),
        ({"INFLUXDB_HOST": "influxdb:8181"}, "INFLUXDB_HOST"),
        ({"INFLUXDB_HOST": "http://influxdb"}, "INFLUXDB_HOST"),
        ({"INFLUXDB_HOST": "http://influxdb:port"}, "INFLUXDB_HOST"),
        ({"INFLUXDB_HOST": "grpc://influxdb:8181"}, "INFLUXDB_HOST"),
        ({"INFLUXDB_QUERY_TIMEOUT": "0"}, "INFLUXDB_QUERY_TIMEOUT"),
        ({"INFLUXDB_QUERY_TIMEOUT": "soon"}, "INFLUXDB_QUERY_TIMEOUT"),
        ({"INFLUXDB_QUERY_TIMEOUT": "nan"}, "INFLUXDB_QUERY_TIMEOUT"),
        ({"ANALYTICS_CACHE_SECONDS": "-1"}, "ANALYTICS_CACHE_SECONDS"),
        ({"GUNICORN_THREADS": "0"}, "GUNICORN_THREADS"),
        ({"GUNICORN_THREADS": "65"}, "GUNICORN_THREADS"),
        ({"GUNICORN_GRACEFUL_TIMEOUT": "0"}, "GUNICORN_GRACEFUL_TIMEOUT"),
        ({"BIND": "0.0.0.0:3000"}, "BIND"),  # the port is PORT
        ({"BIND": "http://0.0.0.0"}, "BIND"),
        ({"BIND": "-x"}, "BIND"),
        ({"REQUEST_BODY_TIMEOUT": "0"}, "REQUEST_BODY_TIMEOUT"),
        ({"REQUEST_BODY_TIMEOUT": "301"}, "REQUEST_BODY_TIMEOUT"),
        ({"REQUEST_BODY_TIMEOUT": "1.5"}, "REQUEST_BODY_TIMEOUT"),
        ({"MAX_JSON_BYTES": "100"}, "MAX_JSON_BYTES"),
    ],
)
def test_a_misconfigured_value_is_refused(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        Config(environ=environ)


@pytest.mark.parametrize("uri", ["mongodb://host:notaport/", "mongodb://", "mongodb://a:b:c@/"])
def test_a_malformed_mongodb_uri_is_refused_at_start(uri):
    with pytest.raises(ConfigError, match="MONGODB_URI"):
        Config(environ={"MONGODB_URI": uri})


@pytest.mark.parametrize("name", ["org id", 'org"; --', "1org", "org-id", "a" * 65, "time"])
def test_the_organization_tag_must_be_a_plain_identifier(name):
    with pytest.raises(ConfigError, match="INFLUXDB_ORG_TAG"):
        Config(environ={"INFLUXDB_ORG_TAG": name})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (REAL, "JWT_SECRET is not set"),
        ({**REAL, "JWT_SECRET": "short"}, "at least 32 bytes"),
        ({**REAL, "JWT_SECRET": JWT_SECRET}, "CORS_ALLOWED_ORIGIN"),
        ({**REAL, **SECRET, "CORS_ALLOWED_ORIGIN": f"{CONSOLE},*"}, "CORS_ALLOWED_ORIGIN"),
        ({"AUTH_MODE": "required"}, "JWT_SECRET is not set"),
        ({"AUTH_MODE": "maybe"}, "AUTH_MODE"),
        ({**SECRET, "JWT_TTL": "forever"}, "JWT_TTL"),
        ({**SECRET, "JWT_TTL": "1000000000000000"}, "JWT_TTL"),
        ({**SECRET, "JWT_TTL": "367d"}, "JWT_TTL"),
    ],
)
def test_unsafe_settings_refuse_to_start(environ, message):
    with pytest.raises(ConfigError, match=message):
        Config(environ=environ)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({**REAL, "JWT_SECRET": "x" * 31, "CORS_ALLOWED_ORIGIN": CONSOLE}, "32 bytes"),
        ({**REAL, "JWT_SECRET": " " * 40, "CORS_ALLOWED_ORIGIN": CONSOLE}, "blank"),
        ({**REAL, **SECRET, "CORS_ALLOWED_ORIGIN": "null"}, "CORS_ALLOWED_ORIGIN"),
        ({**REAL, **SECRET, "CORS_ALLOWED_ORIGIN": f"{CONSOLE}/"}, "CORS_ALLOWED_ORIGIN"),
        ({**REAL, **SECRET, "CORS_ALLOWED_ORIGIN": " , "}, "CORS_ALLOWED_ORIGIN"),
        ({**SECRET, "RATELIMIT_STORAGE_URI": "redis://cache"}, "RATELIMIT_STORAGE_URI"),
        ({**SECRET, "REVOCATION_REFRESH_SECONDS": "0"}, "REVOCATION_REFRESH_SECONDS"),
    ],
)
def test_more_unsafe_settings_refuse_to_start(environ, message):
    with pytest.raises(ConfigError, match=message):
        Config(environ=environ)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORT": "abc"}, "PORT must be an integer, got 'abc'"),
        ({"PORT": "80.5"}, "PORT must be an integer, got '80.5'"),
        ({"PORT": "70000"}, "PORT must be from 1 to 65535, got '70000'"),
        ({"MAX_CONTENT_LENGTH": "10"}, "MAX_CONTENT_LENGTH must be at least 1024, got '10'"),
        (
            {"INFLUXDB_QUERY_TIMEOUT": "inf"},
            "INFLUXDB_QUERY_TIMEOUT must be a number of seconds, got 'inf'",
        ),
        (
            {"INFLUXDB_QUERY_TIMEOUT": "3601"},
            "INFLUXDB_QUERY_TIMEOUT must be more than 0 and at most 3600 seconds, got '3601'",
        ),
        ({"SEED_DEMO": "maybe"}, "SEED_DEMO must be 1 or 0, got 'maybe'"),
        (
            {"ORGANIZATION_DATABASES": "(org-.*"},
            "ORGANIZATION_DATABASES must be a regular expression (missing ), unterminated"
            " subpattern at position 0), got '(org-.*'",
        ),
        ({"REQUEST_LOG": "stdout"}, "REQUEST_LOG must be 1 or 0, got 'stdout'"),
        (
            {"JWT_TTL": "1w"},
            "JWT_TTL must be a duration such as 3600, 15m, 1h or 30d, got '1w'",
        ),
        ({"JWT_TTL": "0"}, "JWT_TTL must be a duration such as 3600, 15m, 1h or 30d, got '0'"),
        ({"JWT_TTL": "367d"}, "JWT_TTL must be at most 366d, got '367d'"),
        ({"AUTH_MODE": "maybe"}, "AUTH_MODE must be required or off, got 'maybe'"),
        (
            {"INFLUXDB_HOST": "http://influxdb"},
            "INFLUXDB_HOST must be a URL naming its port, like http://host:8181, "
            "got 'http://influxdb'",
        ),
        (
            {"CORS_ALLOWED_ORIGIN": "null"},
            "CORS_ALLOWED_ORIGIN must be a list of origins like https://host, got 'null'",
        ),
        (
            {"RATELIMIT_STORAGE_URI": "redis://cache"},
            "RATELIMIT_STORAGE_URI must be memory:// or mongodb://…, got 'redis://cache'",
        ),
        # Two bad values: the first read is named.
        ({"PORT": "abc", "PROXY_COUNT": "-1"}, "PORT must be an integer, got 'abc'"),
    ],
)
def test_a_refusal_is_one_line_naming_the_variable_and_the_form(environ, message):
    with pytest.raises(ConfigError) as refused:
        Config(environ=environ)
    assert str(refused.value) == message


@pytest.mark.parametrize("token", ["apiv3_…", "apiv3 x", "apiv3_\x00"])
def test_an_influxdb_token_no_query_could_carry_is_refused_without_being_echoed(token):
    """A placeholder left in (`apiv3_…`) would fail every query with a 500."""
    with pytest.raises(ConfigError) as refused:
        Config(environ={"INFLUXDB_TOKEN": token})
    assert str(refused.value) == (
        "INFLUXDB_TOKEN must be visible ASCII characters, as servers make them"
    )


def test_a_short_metrics_token_is_refused_without_being_echoed():
    with pytest.raises(ConfigError) as refused:
        Config(environ={"METRICS_TOKEN": "hunter2"})
    assert str(refused.value) == "METRICS_TOKEN must be at least 32 bytes long"


@pytest.mark.parametrize(("text", "seconds"), [("3600", 3600), ("1h", 3600), ("2D", 172800)])
def test_a_command_line_duration_reads_as_the_setting_does(text, seconds):
    assert duration(text, "--ttl") == seconds


@pytest.mark.parametrize("text", ["soon", "-5", "0", "1.5h", "400d", "", "٣"])
def test_a_command_line_duration_is_refused_naming_the_option(text):
    with pytest.raises(ConfigError, match="^--ttl must be "):
        duration(text, "--ttl")


@pytest.mark.slow  # starts a Python process per case
@pytest.mark.parametrize(
    "command", [["-c", "import wsgi"], ["-m", "flask", "--app", "wsgi", "routes"]]
)
def test_start_with_a_bad_setting_fails_with_one_clear_line(command):
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={"PORT": "abc", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "syncapi: configuration error: PORT must be an integer, got 'abc'"
    ]
