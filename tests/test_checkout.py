"""The checkout as a new user meets it: `make help`, `./manage`, `.env.example`, what `make
test` leaves behind, and the README with the `docs/` pages it links to."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import Config
from tests.helpers import JWT_SECRET, unserved_app

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()
INTERNAL_TARGETS = {"wrk", "nginx", "chromium"}  # what bench, e2e, docs-check install first
# Read by gunicorn.conf.py before anything imports prometheus_client, not by config/.
SERVER_SETTINGS = {"PROMETHEUS_MULTIPROC_DIR"}
EXAMPLE = re.compile(r"^#([A-Z][A-Z0-9_]*)=(.*)$")


# make help


def test_make_help_lists_every_target_with_its_line():
    phony = set(re.search(r"^\.PHONY: (.*)$", MAKEFILE, re.MULTILINE).group(1).split())
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True
    ).stdout.splitlines()[1:]
    described = {line.split()[0]: line.split(maxsplit=1)[1] for line in listed}
    assert set(described) == phony - INTERNAL_TARGETS
    assert all(len(text) > 10 for text in described.values())


def test_make_alone_lists_the_targets():
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert plan.startswith('echo "make <target>;')


# .env.example


class Recording(dict):
    """A process environment that remembers every name read from it."""

    def __init__(self):
        super().__init__()
        self.read = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def example():
    """`{NAME: (default, the line above it)}` of .env.example."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    found = {}
    for above, line in zip(lines, lines[1:], strict=False):
        match = EXAMPLE.match(line)
        if match:
            found[match.group(1)] = (match.group(2), above)
    return found


def test_the_example_lists_exactly_the_settings_syncapi_reads():
    environ = Recording()
    Config(environ=environ)
    assert set(example()) == environ.read | SERVER_SETTINGS


def test_each_setting_of_the_example_has_one_line_saying_what_it_is():
    for name, (_, above) in example().items():
        assert above.startswith("# ") and len(above) > 10, name
        assert not EXAMPLE.match(above), name


def test_each_default_the_example_states_is_the_default():
    unset = Config(environ={})
    for name, (value, _) in example().items():
        if value and name not in SERVER_SETTINGS:
            assert getattr(Config(environ={name: value}), name) == getattr(unset, name), name


# ./manage: the operator commands with the project's environment


def test_manage_in_the_image_runs_the_commands_with_the_images_python(tmp_path):
    """The Docker image holds no Makefile and no .venv: `./manage` runs its Python."""
    for name in ("manage", "wsgi.py", "config", "syncapi", "static"):
        (tmp_path / name).symlink_to(ROOT / name)
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    environ = {"PATH": path, "JWT_SECRET": JWT_SECRET, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        ["./manage", "tokens", "create", "--org", "*", "--role", "admin", "--ttl", "1h"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", result.stdout.strip())


def test_the_image_carries_manage():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY .*\bmanage\b.* \./$", dockerfile, re.MULTILINE)
    assert os.access(ROOT / "manage", os.X_OK)


# What the tools write is ignored


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize(
    "written",
    [
        ".venv/",
        ".pytest_cache/",
        ".ruff_cache/",
        ".hypothesis/",
        ".import_linter_cache/",
        "tests/__pycache__/",
        ".env",
    ],
)
def test_what_the_tools_write_is_ignored(written):
    """`make test` on a fresh clone leaves nothing `git status` shows (nor a user's .env,
    which may hold a JWT_SECRET)."""
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "--quiet", written], cwd=ROOT, check=False
    )
    assert checked.returncode == 0, written


# The README and docs/


README = (ROOT / "README.md").read_text()
PAGES = {path: path.read_text() for path in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))]}
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def anchors(text):
    """The anchors GitHub makes of a page's headings (lower case, punctuation dropped)."""
    headings = re.findall(r"^#+ (.+)$", CODE_BLOCK.sub("", text), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_the_readme_starts_with_its_contents_then_the_quick_start():
    sections = re.findall(r"^## (.+)$", CODE_BLOCK.sub("", README), re.MULTILINE)
    assert sections[:2] == ["Contents", "Quick start"]
    contents = README.split("## Contents", 1)[1].split("\n## ", 1)[0]
    linked = {link[1:] for link in LINK.findall(contents) if link.startswith("#")}
    assert linked >= anchors("\n".join(f"## {section}" for section in sections[1:]))


@pytest.mark.parametrize("page", list(PAGES), ids=lambda path: path.name)
def test_every_link_stays_in_the_repository_and_arrives(page):
    for target in LINK.findall(PAGES[page]):
        assert not re.match(r"[a-z]+:", target), target  # no http:, no file:
        path, _, anchor = target.partition("#")
        landing = (page.parent / path).resolve() if path else page
        assert landing.is_relative_to(ROOT) and landing.exists(), target
        if anchor and landing.suffix == ".md":
            assert anchor in anchors(landing.read_text()), target


def operator_commands():
    """Every command of `./manage`: `name` and `group sub`."""
    found = set()
    for name, command in unserved_app().cli.commands.items():
        found.add(name)
        found |= {f"{name} {sub}" for sub in getattr(command, "commands", {})}
    return found


def test_every_command_the_readme_shows_runs_through_manage_and_exists():
    commands = operator_commands()
    shown = re.findall(r"\./manage ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", README)
    assert len(shown) > 10
    for group, sub in shown:
        assert f"{group} {sub}" in commands or group in commands, (group, sub)
    assert "flask --app" not in README  # bare flask is not on a fresh clone's PATH


# A Python a page tells to run: the project's, or python3 for a one-line `-c` of the stdlib.
SHOWN_PYTHON = re.compile(r"(?<![\w./-])((?:\.venv/bin/)?python3?)(?![\w.-])( -c)?")


@pytest.mark.parametrize("page", list(PAGES), ids=lambda path: path.name)
def test_every_python_a_page_shows_is_the_projects(page):
    """A fresh clone has no syncapi package outside `.venv` (`make run` builds it): a command
    shown with a bare `python` fails there."""
    text = PAGES[page]
    shown = CODE_BLOCK.findall(text) + re.findall(r"`([^`\n]+)`", CODE_BLOCK.sub("", text))
    for code in shown:
        for python, inline in SHOWN_PYTHON.findall(code):
            assert python == ".venv/bin/python" or (python == "python3" and inline), code


def docker_runs():
    """The `-e NAME=value` settings of each `docker run` the README shows, a `$(…)` taken as
    the 48 characters it makes, and a bare `-e NAME` (the shell's value) as a token."""
    runs = []
    for block in CODE_BLOCK.findall(README):
        for command in block.replace("\\\n", " ").splitlines():
            if command.startswith("docker run"):
                pairs = re.findall(r"-e (\w+)(?:=(\"\$\(.*?\)\"|\S+))?", command)
                runs.append({name: shown(value) for name, value in pairs})
    return runs


def shown(value):
    return "x" * 48 if "$(" in value else value or "apiv3_the-shells-token"


def test_each_docker_run_the_readme_shows_has_the_settings_to_start():
    """config/ refuses a start without what it needs; the image's entry point listens on every
    interface with authentication on, and on the loopback (opened by BIND) with it off."""
    runs = docker_runs()
    assert len(runs) == 2
    for environ in runs:
        assert Config(environ=environ).BIND == "0.0.0.0"
    assert {run.get("AUTH_MODE") for run in runs} == {None, "off"}
    assert {"JWT_SECRET", "CORS_ALLOWED_ORIGIN", "INFLUXDB_HOST", "INFLUXDB_TOKEN"} <= set(runs[0])


def test_the_configuration_table_lists_exactly_the_settings():
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in re.findall(r"^\| (`[A-Z].*?) \|", table, re.MULTILINE):
        names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row))
    assert names == set(example())
