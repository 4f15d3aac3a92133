"""`make docs-check`: the docs page as a browser shows it.

Serves syncapi with gunicorn on 127.0.0.1 (the embedded store, as `make run` does), opens
`/api/docs` in headless Chromium expanded on device operations (Swagger UI's deep links,
`#/<tag>/<operationId>`), and checks in the page's DOM that every parameter shows its name
and that the request and answer examples shown are the description's own, not values
Swagger UI makes up from the schemas. Then it writes a screenshot of the first operation
and prints its path. Each check prints one line; the exit status is 1 when one failed.
`tests/test_docs_page.py` makes the same checks on the suite's app where Chromium is
installed.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy import chromium  # noqa: E402

# (tag, operationId): reading a device, with its parameters; creating one, with a body.
OPERATIONS = (("Devices", "organizations_get_device"), ("Devices", "organizations_create_device"))


def page_url(base, tag, operation_id):
    return f"{base}/api/docs#/{tag}/{operation_id}"


def block_of(tag, operation_id):
    """A script's expression for the element Swagger UI draws the operation in."""
    return f"document.getElementById({json.dumps(f'operations-{tag}-{operation_id}')})"


def expanded(tag, operation_id):
    """A script true once Swagger UI shows the operation expanded, its examples drawn."""
    block = block_of(tag, operation_id)
    return f"!!({block} && {block}.querySelector('.responses-table .example'))"


def shown(browser, base, tag, operation_id):
    """The page's DOM once it shows the operation expanded."""
    browser.open(page_url(base, tag, operation_id), expanded(tag, operation_id))
    return browser.html()


def screenshot(browser, base, tag, operation_id, path):
    """The operation, from its title to the end of its first answer's example."""
    browser.open(page_url(base, tag, operation_id), expanded(tag, operation_id))
    edges = browser.evaluate(
        f"(() => {{ const block = {block_of(tag, operation_id)};"
        " const answer = block.querySelector('tr.response');"
        " const top = block.getBoundingClientRect().top + window.scrollY;"
        " const bottom = answer.getBoundingClientRect().bottom + window.scrollY;"
        " return [Math.max(top - 16, 0), bottom + 16]; })()"
    )
    return browser.screenshot(path, *edges)


def operation_of(document, operation_id):
    """`(path item, operation)` of the description's operation of this id."""
    for item in document["paths"].values():
        for method, operation in item.items():
            if method != "parameters" and operation["operationId"] == operation_id:
                return item, operation
    raise LookupError(operation_id)


def _resolved(document, value):
    """A `{"$ref": "#/components/…"}` as what it points at."""
    if "$ref" not in value:
        return value
    *_, kind, name = value["$ref"].split("/")
    return document["components"][kind][name]


def answer_examples(document, operation):
    """`{status: example}` of the operation's JSON answers, shared error answers included."""
    examples = {}
    for status, answer in operation["responses"].items():
        media = _resolved(document, answer).get("content", {}).get("application/json", {})
        if "example" in media:
            examples[status] = media["example"]
    return examples


def problems(html, document, tag, operation_id):
    """What the page shows wrong about the operation: a sentence each, none when right."""
    block = chromium.parse(html).find(id=f"operations-{tag}-{operation_id}")
    if block is None or block.find(css_class="opblock-body") is None:
        return [f"{operation_id} is not shown expanded"]
    item, operation = operation_of(document, operation_id)
    parameters = [*item["parameters"], *operation.get("parameters", ())]
    found = _parameter_problems(block, [_resolved(document, p) for p in parameters])
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        shown = block.find("pre", css_class="body-param__example")
        found += _example_problems("the request body", shown, body["example"])
    for status, example in answer_examples(document, operation).items():
        row = block.find("tr", css_class="response", data_code=status)
        shown = row and row.find("pre", css_class="example")
        found += _example_problems(f"the {status} answer", shown, example)
    return found


def _parameter_problems(block, parameters):
    """Every parameter shown with its name and type, the described ones, with their example
    filled in."""
    found, shown = [], {}
    table = block.find("table", css_class="parameters")
    rows = table.find("tbody").find_all("tr") if table is not None else []
    for row in rows:
        name = row.find(css_class="parameter__name")
        label = name.text().replace("\xa0", " ").replace("*", "").strip() if name else ""
        kind = row.find(css_class="parameter__type")
        if not label or not row.attrs.get("data-param-name") or kind is None:
            found.append("a parameter is shown without a name")
        elif kind.text().strip() in ("", "any"):
            found.append(f"{label} is shown without a type")
        shown[label] = row
    wanted = {parameter["name"]: parameter for parameter in parameters}
    if set(shown) != set(wanted):
        found.append(f"parameters shown {sorted(shown)}, described {sorted(wanted)}")
    for name, parameter in wanted.items():
        field = shown.get(name) and shown[name].find("input")
        if "example" in parameter and (
            field is None or field.attrs.get("value") != str(parameter["example"])
        ):
            found.append(f"{name} is not filled in with its example {parameter['example']!r}")
    return found


def _example_problems(what, shown, example):
    if shown is None:
        return [f"{what} shows no example"]
    try:
        value = json.loads(shown.text())
    except ValueError:
        return [f"{what} shows an example that is not JSON: {shown.text()[:80]!r}"]
    return [] if value == example else [f"{what} shows {value!r}, not the description's example"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(work):
    """gunicorn serving syncapi as `make run` does (embedded store), on a free local port;
    returns the process and the base URL once `/status` answers."""
    port = free_port()
    environ = {
        **os.environ,
        "PORT": str(port),
        "MONGODB_URI": "mongomock://localhost",
        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    argv = [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    log = (work / "gunicorn.log").open("w")
    process = subprocess.Popen(argv, cwd=ROOT, env=environ, stdout=log, stderr=log)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {(work / 'gunicorn.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/status", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 30 s")


def main(argv):
    if chromium.program() is None:
        sys.exit("docs-check: Chromium is not installed (`make docs-check` installs it)")
    work = Path(tempfile.mkdtemp(prefix="syncapi-docs-check-"))
    shot = Path(argv[0] if argv else work / "device-operation.png").resolve()
    process, base = serve(work)
    try:
        with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=10) as answer:
            document = json.load(answer)
        failed = 0
        with chromium.Chromium() as browser:
            for tag, operation_id in OPERATIONS:
                html = shown(browser, base, tag, operation_id)
                found = problems(html, document, tag, operation_id)
                print(f"{'FAIL' if found else 'PASS'} {tag}/{operation_id}", *found, sep="\n  ")
                failed += bool(found)
            screenshot(browser, base, *OPERATIONS[0], shot)
    finally:
        process.terminate()
        process.wait(timeout=60)
    print(f"screenshot of {OPERATIONS[0][0]}/{OPERATIONS[0][1]}: {shot}")
    print(f"{len(OPERATIONS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
