"""A replay of a few hundred requests over every route, whose answers are kept in
`tests/data/replay.json`: `tests/test_replay.py` sends them again and compares.

Made for restructurings that must change no answer: record before, compare after. An issue
that changes an answer on purpose records again (`.venv/bin/python -m tests.replay`) and says
so in its commit. Each answer is kept as its status, its headers and its body, with what differs
from run to run made neutral (`Normalizer`): ObjectIds become `<oid-N>`, the server's
request ids `<rid-N>` and tokens' ids `<jti-N>`, in the order they first appear, dates and
times `<date>`/`<time>`, tokens `<jwt>`, content ETags `<c>`. Each request sends an id of
its own (`X-Request-ID: r<n>`), which the server keeps as the client's
(`clientRequestId` of a change-log entry), as it is. The ObjectIds of the API description's
examples are constants of the code and stay as they are (numbered, they would renumber every
id after the description's answers).
"""

import hashlib
import io
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

from syncapi import create_app
from syncapi.core import passwords, tokens
from syncapi.web import memo
from tests.helpers import (
    EVENTS,
    INFLUX_TOKEN,
    JWT_SECRET,
    MAIN_DB,
    PRODUCTION,
    STATE,
    CheckedClient,
)
from tests.influx_standin import InfluxStandIn, table
from tests.settings import CHEAP_HASHING, TestingConfig

RECORDING = Path(__file__).parent / "data" / "replay.json"
DESCRIPTION = Path(__file__).parent / "data" / "openapi.json"
METRICS_TOKEN = "metrics-token-of-at-least-32-bytes!"
# Every header is kept but these, which a WSGI server or the clock writes.
DROPPED_HEADERS = frozenset({"Date", "Content-Length"})
CLOCK_HEADERS = {  # their values move with the clock: kept as being there
    "Retry-After": "<seconds>",  # left of a rate limit's window
    "X-RateLimit-Reset": "<time>",
    "Expires": "<http-date>",
    "Last-Modified": "<http-date>",
}
OBJECT_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{24}(?![0-9a-f])")
REQUEST_ID = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9a-f])")  # the server's
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
# A content ETag hashes what it tags, dates included: its value is pinned by test_conditional.
CONTENT_TAG = re.compile(r"(?<![0-9a-z])c[0-9a-f]{32}(?![0-9a-f])")
EVENT_CLASS_ID = re.compile(r"ec_[0-9]{13}(?:_[0-9]+)?")  # made from the clock
FILE_TAG = re.compile(r'"[0-9.]+-[0-9]+-[0-9]+"')  # a static file's: its time, size, hash
HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT")
TIME_KEYS = frozenset({"time", "iat", "exp"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect/></svg>'

ORG = "/api/organizations/acme"
APP = f"{ORG}/applications/monitoreo-cnc"
MOUNT = "/api/applications/acme/applications/monitoreo-cnc"


class Normalizer:
    """Makes an answer comparable across runs (see the module docstring)."""

    def __init__(self):
        self.object_ids, self.event_class_ids, self.request_ids, self.jtis = {}, {}, {}, {}
        self.numbering = True  # ids: False while an answer's are constants of the code

    def text(self, value):
        value = JWT.sub("<jwt>", value)
        value = CONTENT_TAG.sub("<c>", value)
        value = REQUEST_ID.sub(self._request_id, value)
        value = FILE_TAG.sub('"<file>"', value)
        value = HTTP_DATE.sub("<http-date>", value)
        value = DATE.sub("<date>", value)
        value = EVENT_CLASS_ID.sub(self._event_class_id, value)
        return OBJECT_ID.sub(self._object_id, value)

    def _object_id(self, match):
        if not self.numbering:
            return match.group()
        return self.object_ids.setdefault(match.group(), f"<oid-{len(self.object_ids)}>")

    def _request_id(self, match):
        if not self.numbering:  # the description's examples, beside the answer's own id
            return "<rid>"
        return self.request_ids.setdefault(match.group(), f"<rid-{len(self.request_ids)}>")

    def _event_class_id(self, match):
        ids = self.event_class_ids
        return ids.setdefault(match.group(), f"ec_<{len(ids)}>")

    def value(self, value, key=None):
        if isinstance(value, dict):
            return {self.text(k): self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if key in TIME_KEYS and isinstance(value, int | float):
            return "<time>"
        if key == "jti" and isinstance(value, str):  # a token's, made at random
            return self.jtis.setdefault(value, f"<jti-{len(self.jtis)}>")
        if isinstance(value, str):
            return self.text(value)
        return value

    def answer(self, response):
        headers = {
            name: CLOCK_HEADERS.get(name) or self.text(value)
            for name, value in response.headers
            if name not in DROPPED_HEADERS
        }
        mimetype = response.mimetype or ""
        if "Allow" in headers:  # a set, in no particular order
            headers["Allow"] = ", ".join(sorted(headers["Allow"].split(", ")))
        if mimetype == "application/json":
            body = self.value(json.loads(response.data))
        elif (response.content_type or "").startswith("text/plain; version="):  # Prometheus
            # Counters of the whole process, moved by whatever else ran in it (other tests):
            # tests/test_metrics.py pins the series.
            body = "<metrics>"
        elif mimetype.startswith("text/") and len(response.data) < 2000:
            body = self.text(response.get_data(as_text=True))
        else:
            body = {
                "bytes": len(response.data),
                "sha256": hashlib.sha256(response.data).hexdigest(),
            }
        return {"status": response.status_code, "headers": headers, "body": body}


class Session:
    """One app and its client; each call's answer kept under a numbered key."""

    def __init__(self, name, app, normalizer, answers):
        self.name, self.app = name, app
        self.client = app.test_client()
        self.normalizer, self.answers = normalizer, answers
        self.last = None

    def call(self, method, path, body=None, headers=None, **options):
        number = len(self.answers)
        sent = {"X-Request-ID": f"r{number}", **(headers or {})}
        if body is not None and "data" not in options:
            options["json"] = body
        self.last = response = self.client.open(path, method=method, headers=sent, **options)
        # A listing of organizations starts a refresh of their sizes in a thread of its own:
        # the next answer shows them once it is done, not whenever the thread happens to end.
        self.app.extensions[memo.BACKGROUND_KEY].wait()
        call = {"call": f"{self.name} {method} {self.normalizer.text(path)}"}
        self.normalizer.numbering = path != "/api/openapi.json"  # the examples' ids
        self.answers.append(call | self.normalizer.answer(response))
        self.normalizer.numbering = True
        response.close()  # a file answered (an icon) is closed here
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def bearer(orgs, role, subject="tester"):
    token, _ = tokens.issue(JWT_SECRET, subject, list(orgs), role, 3600)
    return {"Authorization": f"Bearer {token}"}


def open_walk(s):
    """Authentication off: every route, with good and bad input."""
    s.get("/status")
    s.get("/ready")
    s.get("/api/organizations")
    s.get(ORG)
    s.put(ORG, {"name": "Acme", "email": "ops@acme.io", "website": "https://acme.io"})
    s.put(ORG, {"name": 5})
    s.put(ORG, {"$where": "1"})
    s.put(ORG, data=b"", content_type="application/json")
    s.put(ORG, data=b"{", content_type="application/json")
    s.put(ORG, {"name": "Acme Corp"})
    etag = s.last.headers["ETag"]
    s.put(ORG, {"name": "Acme"}, headers={"If-Match": '"c00000000000000000000000000000000"'})
    s.put(ORG, {"name": "Acme"}, headers={"If-Match": etag})
    etag = s.last.headers["ETag"]
    s.put(ORG, {"name": "Acme"}, headers={"If-Match": "nonsense"})
    s.get(ORG, headers={"If-None-Match": etag})
    s.get(f"{ORG}/config")
    s.get(f"{ORG}/stats")
    s.put("/api/organizations/globex", {"name": "Globex"})
    s.get("/api/organizations/UPPER")
    s.get("/api/organizations/admin")
    s.get("/api/organizations/nowhere")
    s.get("/api/organizations?limit=1&sort=-name")
    s.get("/api/organizations?limit=0")
    s.get("/api/organizations?sort=nope")
    s.get("/api/organizations?q=acm")
    # applications
    s.get(f"{ORG}/applications")
    s.post(f"{ORG}/applications", {"applicationId": "monitoreo-cnc", "name": "CNC"})
    s.post(f"{ORG}/applications", {"applicationId": "monitoreo-cnc", "name": "CNC"})
    s.post(f"{ORG}/applications", {"applicationId": "Bad Id", "name": "x"})
    s.post(f"{ORG}/applications", {"applicationId": "oilmonitor", "name": "x"})
    s.post(f"{ORG}/applications", {"name": "no id"})
    s.post(f"{ORG}/applications", {"applicationId": "presses", "name": "Presses"})
    s.get(f"{ORG}/applications?limit=1&sort=-applicationId")
    s.get(APP)
    app_etag = s.last.headers["ETag"]
    s.put(APP, {"description": "Machines"}, headers={"If-Match": app_etag})
    s.put(APP, {"description": "again"}, headers={"If-Match": app_etag})
    s.put(APP, {"status": 12})
    s.get(f"{ORG}/applications/nowhere")
    s.get(f"{ORG}/applications/nowhere/devices")
    # devices
    device = {"machineId": "CN1", "name": "Lathe", "eui": "E-1", "tags": ["Line-1", "night"]}
    s.post(f"{APP}/devices", device)
    s.post(f"{APP}/devices", device)
    s.post(f"{APP}/devices", {"machineId": "CN2", "name": "Mill", "properties": {"ip": "10.0.0.2"}})
    s.post(f"{APP}/devices", {"machineId": "CN3", "name": "Press", "tags": ["line-2"]})
    s.post(f"{APP}/devices", {"machineId": "a/b"})
    s.post(f"{APP}/devices", {"machineId": ""})
    s.post(f"{APP}/devices", {"machineId": "X" * 129})
    s.post(f"{APP}/devices", {"machineId": "CN9", "tags": ["BAD TAG"]})
    s.post(f"{APP}/devices", {"machineId": "CN9", "properties": {"__proto__": 1}})
    s.post(f"{APP}/devices", {"machineId": "CN9", "name": 1e999})
    s.post(f"{APP}/devices", [1, 2])
    s.get(f"{APP}/devices")
    s.get(f"{APP}/devices?limit=2")
    s.get(f"{APP}/devices?limit=2&offset=2&sort=-name")
    s.get(f"{APP}/devices?tag=line-1")
    s.get(f"{APP}/devices?q=mi")
    s.get(f"{APP}/devices?limit=x")
    s.get(f"{APP}/devices?tag=BAD TAG")
    s.get(f"{APP}/devices/CN1")
    dev_etag = s.last.headers["ETag"]
    s.get(f"{APP}/devices/CN1", headers={"If-None-Match": dev_etag})
    s.get(f"{APP}/devices/NOPE")
    s.put(f"{APP}/devices/CN1", {"name": "Lathe 2"}, headers={"If-Match": dev_etag})
    s.put(f"{APP}/devices/CN1", {"name": "Lathe 3"}, headers={"If-Match": dev_etag})
    s.put(f"{APP}/devices/CN1", {"machineId": "CN2"})
    s.put(f"{APP}/devices/NOPE", {"name": "x"})
    s.put(f"{APP}/devices/CN2", {"machineId": "CN5"})
    s.get(f"{APP}/device-tags")
    s.post(f"{APP}/device-tags", {"machineIds": ["CN1", "CN5"], "add": ["shift-a"], "remove": []})
    s.post(f"{APP}/device-tags", {"machineIds": ["CN1", "NOPE"], "add": ["x"]})
    s.post(f"{APP}/device-tags", {"machineIds": ["CN1"], "add": ["a"], "remove": ["a"]})
    s.post(f"{APP}/device-tags", {"machineIds": []})
    s.get(f"{APP}/device-tags")
    s.get(f"{APP}/properties")
    s.get(f"{MOUNT}/devices")
    s.post(f"{MOUNT}/devices", {"machineId": "CN6", "name": "Drill"})
    s.get(f"{MOUNT}/device-tags")
    s.get(f"{MOUNT}/config")
    s.get(f"{MOUNT}/stats")
    s.get("/api/applications/test")
    s.delete(f"{APP}/devices/CN6", headers={"If-Match": '"000000000000000000000000-1"'})
    s.delete(f"{APP}/devices/CN6")
    s.delete(f"{APP}/devices/CN6")
    # connectors
    connector = {"name": "MQTT", "driver": "mqtt", "properties": {"mqtt_topic": "#"}}
    s.post(f"{ORG}/connectors", connector)
    connector_id = s.last.json["_id"]
    s.post(f"{ORG}/connectors", connector)
    s.post(f"{ORG}/connectors", {"name": 5})
    s.get(f"{ORG}/connectors")
    s.get(f"{ORG}/connectors?limit=5&sort=name")
    s.get(f"{ORG}/connectors/{connector_id}")
    s.get(f"{ORG}/connectors/not-an-id")
    s.get(f"{ORG}/connectors/6650a1b2c3d4e5f601234567")
    s.put(f"{ORG}/connectors/{connector_id}", {"name": "MQTT 2", "driver": "mqtt"})
    s.post(f"{MOUNT}/connectors", {"name": "Fanuc", "driver": "fanuc", "organizationId": "x"})
    app_connector = s.last.json["_id"]
    s.get(f"{MOUNT}/connectors")
    s.get(f"{MOUNT}/connectors/{app_connector}")
    s.put(f"{MOUNT}/connectors/{app_connector}", {"name": "Fanuc 2", "driver": "fanuc"})
    s.delete(f"{MOUNT}/connectors/{app_connector}")
    s.delete(f"{ORG}/connectors/{connector_id}")
    # event classes and functions
    classes = f"{MOUNT}/event-classes"
    s.get(classes)
    s.post(classes, {"class": "MODE", "topic": "t", "type": "STR", "auth_values": ["A", "B"]})
    # A generated id is `ec_<epoch ms>`, `_1` added in the same millisecond: never the same one.
    time.sleep(0.002)
    s.post(classes, {"class": "MODE", "topic": "t", "type": "STR"})
    s.post(classes, {"class": "X", "topic": "t", "type": "NOPE"})
    s.put(classes, [{"class": "JOINT", "topic": "j", "type": "FLOAT", "values_range": [-9, 9]}])
    s.put(classes, {"class": "JOINT"})
    s.put(classes, [{"class": "J"}], headers={"If-Match": "*"})
    s.get(classes)
    s.get(f"{classes}?sort=class&limit=1")
    functions = f"{MOUNT}/functions"
    function = {
        "id": "fn_1",
        "name": "Norm",
        "expression": "sqrt(x*x+y*y)",
        "variables": ["x", "y"],
    }
    s.post(functions, function)
    s.post(functions, function)
    s.post(functions, {**function, "id": "fn_2", "expression": "__import__('os')"})
    s.post(functions, {**function, "id": "fn_3", "expression": "9**9**9"})
    s.post(functions, {**function, "id": "fn_4", "expression": "z + 1"})
    s.get(functions)
    s.get(f"{functions}/fn_1")
    s.get(f"{functions}/nope")
    s.put(f"{functions}/fn_1", {**function, "expression": "x+y"})
    s.post(f"{functions}/fn_1/evaluate", {"values": {"x": 3, "y": 4}})
    s.post(f"{functions}/fn_1/evaluate", {"values": {"x": 3}})
    s.post(f"{functions}/fn_1/evaluate", {"values": {"x": "a", "y": 1}})
    s.post(f"{functions}/fn_1/evaluate", {"nothing": 1})
    s.post(f"{functions}/nope/evaluate", {"values": {}})
    s.delete(f"{functions}/fn_1")
    s.delete(f"{functions}/fn_1")
    # users and gateways
    users = f"{ORG}/users"
    s.post(
        users, {"name": "Ana", "email": "ana@acme.io", "role": "admin", "password": "ana-pass-1"}
    )
    ana = s.last.json["id"]
    s.post(users, {"name": "Ana", "email": "ana@acme.io"})
    s.post(users, {"name": "Bob", "email": "not-an-email"})
    s.post(users, {"name": "Bob", "email": "bob@acme.io", "password": "short"})
    s.post(users, {"name": "Bob", "email": "bob@acme.io", "role": "god"})
    s.post(users, {"name": "Vic", "email": "vic@acme.io", "role": "viewer"})
    vic = s.last.json["id"]
    s.get(users)
    s.get(f"{users}?q=ana")
    s.get(f"{users}/{ana}")
    s.get(f"{users}/bad")
    s.put(f"{users}/{ana}", {"name": "Ana B."})
    s.put(f"{users}/{ana}", {"email": "vic@acme.io"})
    s.put(f"{users}/{ana}/password", {"password": "a long passphrase"})
    s.put(f"{users}/{ana}/password", {"password": "x"})
    s.put(f"{users}/{vic}", {"status": "inactive"})
    gateways = f"{ORG}/gateways"
    s.post(gateways, {"gatewayId": "GW-01", "name": "Plant 1", "location": "Hall A"})
    s.post(gateways, {"gatewayId": "GW-01", "name": "again"})
    s.post(gateways, {"gatewayId": "", "name": "x"})
    s.get(gateways)
    s.get(f"{gateways}/GW-01")
    s.put(f"{gateways}/GW-01", {"status": "disconnected"})
    s.put(f"{gateways}/GW-02", {"status": "disconnected"})
    s.delete(f"{gateways}/GW-01")
    s.delete(f"{gateways}/GW-01")
    s.delete(f"{users}/{vic}")
    # legacy devices, services, machines
    s.post("/device/new", {"machineId": "A1B2", "name": "Tank", "organizationId": "acme"})
    s.post("/device/new", {"machineId": "A1B2", "name": "Tank"})
    s.post("/device/new", {"name": "no id"})
    s.get("/device/A1B2")
    s.get("/device/NOPE")
    s.put("/device/A1B2", {"name": "Tank 4"})
    s.put("/device/A1B2", {"organizationId": "globex"})
    s.delete("/device/A1B2")
    s.post(
        "/api/services",
        {
            "name": "kafka",
            "type": "kafka",
            "configuration": {"sasl.password": "p", "url": "mqtt://u:pw@h:1"},
        },
    )
    service = s.last.json["_id"]
    s.post("/api/services", {"name": "kafka", "type": "kafka", "configuration": {}})
    s.post("/api/services", {"name": "x"})
    s.get("/api/services")
    s.get("/api/services?reveal=true")
    s.get(f"/api/services/{service}")
    s.put(f"/api/services/{service}", {"configuration": {"sasl.password": "********", "host": "k"}})
    s.get(f"/api/services/{service}?reveal=true")
    s.call("PATCH", f"/api/services/{service}/toggle", {"enabled": False})
    s.call("PATCH", f"/api/services/{service}/toggle", {"enabled": "no"})
    s.delete(f"/api/services/{service}")
    s.delete(f"/api/services/{service}")
    s.get("/api/machines")
    s.get("/api/machines?organizationId=acme")
    s.get("/api/machines/CN1")
    s.put("/api/machines/M9", {"organizationId": "globex", "since": "2025-01-01T00:00:00Z"})
    s.put("/api/machines/M9", {"organizationId": "acme"})
    s.put("/api/machines/M9", {"organizationId": "nowhere"})
    s.put("/api/machines/M9", {"since": "yesterday"})
    s.put("/api/machines/M9", {"organizationId": "acme"}, headers={"If-Match": "*"})
    s.get("/api/machines/M9")
    s.delete("/api/machines/M9")
    s.delete("/api/machines/M9")
    # the dashboard and machine pages
    for path in (
        "/api/query/registered",
        "/api/query/registered?organizationId=acme",
        "/api/query/registered?organizationId=Bad",
        "/api/query/registered/all",
        "/api/query/apps-registered",
        "/api/query/applications",
        "/api/query/connected",
        "/api/query/events/processed-24h",
        "/api/query/events/processed",
        "/api/query/events",
        "/api/query/cpu",
        "/api/query/ram",
        "/api/query/storage",
        "/device/CN1/status",
        "/device/CN1/events",
        "/device/OIL-07/events",
        "/device/NOPE/status",
    ):
        s.get(path)
    s.post("/device/status", {"machineIds": ["CN1", "CN2", "CN3", "CN9"]})
    s.post("/device/status", {"machineIds": []})
    s.post("/device/status", {"machineIds": "CN1"})
    # the change log and restore
    s.get(f"{ORG}/changes")
    s.get(f"{ORG}/changes?since=5&limit=3")
    s.get(f"{ORG}/changes?type=device")
    s.get(f"{ORG}/changes?id=CN1")
    s.get(f"{ORG}/changes?since=-1")
    s.get(f"{ORG}/changes?limit=5000")
    s.get("/api/changes")
    deletes = [
        entry["seq"]
        for entry in s.client.get(f"{ORG}/changes?limit=1000").json
        if entry["action"] == "delete"
    ]
    for seq in deletes:
        s.post(f"{ORG}/changes/{seq}/restore")
    s.post(f"{ORG}/changes/{deletes[0]}/restore")
    s.post(f"{ORG}/changes/1/restore")
    s.post(f"{ORG}/changes/99999/restore")
    s.post(f"{ORG}/changes/abc/restore")
    # icons, docs, errors of the server itself
    s.get("/api/library/drivers/fanuc/icon")
    s.get("/api/library/drivers/fanuc/icon/svg")
    s.get("/api/library/drivers/fanuc/icon/gif")
    s.get("/api/library/nope/nope/icon")
    s.get("/api/library/bad name/x/icon")
    s.post(
        "/api/library/robots/arm/icon",
        data={"file": (io.BytesIO(PNG), "arm.png", "image/png")},
        content_type="multipart/form-data",
    )
    s.post(
        "/api/library/upload",
        data={
            "file": (io.BytesIO(SVG), "a.svg", "image/svg+xml"),
            "category": "robots",
            "name": "b",
        },
        content_type="multipart/form-data",
    )
    s.post(
        "/api/library/robots/arm/icon",
        data={"file": (io.BytesIO(b"<svg onload='x'/>"), "x.svg", "image/svg+xml")},
        content_type="multipart/form-data",
    )
    s.post("/api/library/robots/arm/icon", {"not": "multipart"})
    s.get("/api/library/robots/arm/icon")
    s.get("/api/openapi.json")
    s.get("/api/docs")
    s.get("/api/docs/swagger-ui.css")
    s.get("/api/docs/nope.js")
    s.get("/metrics")
    s.get("/metrics", headers={"Authorization": "Bearer wrong"})
    s.get("/nowhere")
    s.call("PATCH", "/status")
    s.call(
        "OPTIONS",
        ORG,
        headers={"Origin": "https://console.example", "Access-Control-Request-Method": "PUT"},
    )
    s.get(ORG, headers={"Origin": "https://console.example"})
    # deletes that take many things with them
    s.delete(f"{ORG}/applications/presses", headers={"If-Match": "*"})
    s.delete(f"{ORG}/applications/presses")
    s.delete(f"{ORG}/applications/presses")
    s.delete("/api/organizations/globex")
    s.delete("/api/organizations/globex?confirm=globex")
    s.get("/api/changes")
    s.get("/api/organizations")


def secured_walk(s):
    """Authentication required: who may do what, logins, cookies and revocations."""
    platform = bearer(["*"], "admin", "root")
    member = bearer(["acme"], "user")
    viewer = bearer(["acme"], "viewer")
    other = bearer(["globex"], "admin")
    s.get(ORG)
    s.get(ORG, headers={"Authorization": "Basic abc"})
    s.get(ORG, headers={"Authorization": "Bearer not.a.token"})
    s.put(ORG, {"name": "Acme"}, headers=member)
    s.put(ORG, {"name": "Acme"}, headers=platform)
    s.put("/api/organizations/globex", {"name": "Globex"}, headers=platform)
    s.get("/api/organizations", headers=member)
    s.get("/api/organizations", headers=platform)
    s.get(ORG, headers=other)
    s.get("/api/organizations/nowhere", headers=member)
    s.put(ORG, {"name": "Acme 2"}, headers=viewer)
    s.put(ORG, {"name": "Acme 2"}, headers=member)
    s.post(f"{ORG}/applications", {"applicationId": "monitoreo-cnc", "name": "CNC"}, headers=member)
    s.post(f"{APP}/devices", {"machineId": "CN1", "name": "Lathe"}, headers=member)
    s.post(f"{APP}/devices", {"machineId": "CN2"}, headers=viewer)
    s.get(f"{APP}/devices", headers=viewer)
    s.get(f"{APP}/devices/CN1", headers=other)
    s.post(
        f"{ORG}/users",
        {"name": "Ana", "email": "ana@acme.io", "password": "ana-pass-1"},
        headers=member,
    )
    s.post(
        f"{ORG}/users",
        {"name": "Ana", "email": "ana@acme.io", "password": "ana-pass-1", "role": "user"},
        headers=platform,
    )
    ana = s.last.json["id"]
    s.get(f"{ORG}/users", headers=member)
    s.get(f"{ORG}/changes", headers=member)
    s.get(f"{ORG}/changes", headers=platform)
    s.get("/api/changes", headers=member)
    s.get("/api/services", headers=member)
    s.post("/api/services", {"name": "s", "type": "redis", "configuration": {}}, headers=member)
    s.get("/api/machines", headers=member)
    s.get("/api/machines", headers=platform)
    s.get("/api/query/registered/all", headers=member)
    s.get("/api/query/applications", headers=other)
    s.get("/api/query/registered?organizationId=globex", headers=member)
    s.get("/device/CN1/status", headers=other)
    s.post("/device/status", {"machineIds": ["CN1"]}, headers=viewer)
    s.post("/device/new", {"machineId": "L1", "organizationId": "acme"}, headers=member)
    s.post("/device/new", {"machineId": "L1", "organizationId": "acme"}, headers=platform)
    s.get("/device/L1", headers=other)
    s.get("/device/L1", headers=member)
    s.post("/api/library/upload", {"x": 1}, headers=member)
    s.get("/api/library/drivers/fanuc/icon")
    s.get("/status")
    s.get("/api/openapi.json")
    # logins, cookies, logout and ended sessions
    login = {"organizationId": "acme", "email": "ana@acme.io", "password": "ana-pass-1"}
    s.post("/api/auth/login", {**login, "password": "wrong-password"})
    s.post("/api/auth/login", {**login, "email": "nobody@acme.io"})
    s.post("/api/auth/login", {"email": "x"})
    s.post("/api/auth/login", login)
    token = s.last.json["accessToken"]
    mine = {"Authorization": f"Bearer {token}"}
    s.get(f"{ORG}/users/{ana}", headers=mine)
    s.put(f"{ORG}/users/{ana}/password", {"password": "a new passphrase"}, headers=mine)
    s.put(
        f"{ORG}/users/{ana}/password",
        {"password": "a new passphrase", "currentPassword": "wrong-password"},
        headers=mine,
    )
    s.put(
        f"{ORG}/users/{ana}/password",
        {"password": "a new passphrase", "currentPassword": "ana-pass-1"},
        headers=mine,
    )
    s.get(ORG, headers=mine)
    s.post("/api/auth/login", {**login, "password": "a new passphrase"})
    s.get(ORG)  # the session cookie
    s.put(ORG, {"name": "By cookie"})
    s.put(ORG, {"name": "By cookie"}, headers={"Origin": "https://evil.example"})
    s.put(ORG, {"name": "By cookie"}, headers={"Origin": "https://console.example"})
    s.post("/api/auth/logout", headers={"Origin": "https://console.example"})
    s.get(ORG)
    s.post("/api/auth/logout")
    s.delete(f"{ORG}/users/{ana}", headers=member)
    s.delete(f"{ORG}/users/{ana}", headers=platform)
    s.delete("/api/organizations/globex?confirm=globex", headers=other)
    s.delete("/api/organizations/globex?confirm=globex", headers=platform)
    s.get("/api/organizations/globex", headers=other)
    s.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    s.get("/metrics", headers=platform)


def offline_walk(s):
    """MongoDB unreachable: every kind of route answers 503 or what needs no database."""
    s.get("/status")
    s.get("/ready")
    s.get("/api/organizations")
    s.get(ORG)
    s.put(ORG, {"name": "Acme"})
    s.post(f"{APP}/devices", {"machineId": "CN1"})
    s.get("/device/CN1")
    s.get("/api/query/registered/all")
    s.get("/api/query/connected")
    s.post(
        "/api/auth/login", {"organizationId": "acme", "email": "a@b.io", "password": "whatever-1"}
    )
    s.get("/api/openapi.json")


def app_of(**settings):
    app = create_app(TestingConfig(**settings))
    app.config["REQUEST_LOG"] = False
    return app


def record():
    """Every answer of the three walks, in order."""
    from syncapi.extensions import close_clients  # noqa: PLC0415  (the app's own clients)

    answers, normalizer = [], Normalizer()
    server = InfluxStandIn(token=INFLUX_TOKEN)
    now_ns = time.time_ns()
    server.databases[MAIN_DB] = {
        "state": table(STATE, now_ns),
        "production": table(PRODUCTION, now_ns),
        "events": table(EVENTS, now_ns),
    }
    influx = dict(
        INFLUXDB_HOST=server.host,
        INFLUXDB_TOKEN=INFLUX_TOKEN,
        INFLUXDB_DATABASE=MAIN_DB,
        INFLUXDB_QUERY_TIMEOUT=5.0,
    )
    apps = []
    try:
        with tempfile.TemporaryDirectory() as icons:
            import shutil  # noqa: PLC0415

            shutil.copytree(
                Path(__file__).parent.parent / "static" / "icons", icons, dirs_exist_ok=True
            )
            opened = app_of(ICONS_DIR=icons, **influx)
            apps.append(opened)
            open_walk(Session("open", opened, normalizer, answers))
            secured = app_of(
                AUTH_MODE="required",
                JWT_SECRET=JWT_SECRET,
                CORS_ALLOWED_ORIGIN=["https://console.example"],
                METRICS_TOKEN=METRICS_TOKEN,
                ICONS_DIR=icons,
                **influx,
            )
            apps.append(secured)
            secured_walk(Session("secured", secured, normalizer, answers))
        offline = app_of(
            MONGODB_URI="mongodb://127.0.0.1:1/", MONGODB_TIMEOUT_MS=0, MONGODB_WRITE_TIMEOUT_MS=0
        )
        apps.append(offline)
        offline_walk(Session("offline", offline, normalizer, answers))
    finally:
        for app in apps:
            close_clients(app)
        server.shutdown()
    return answers


def recorded():
    return [json.loads(line) for line in RECORDING.read_text().splitlines()]


def description():
    """The API description of the tests' app, as `tests/data/openapi.json` keeps it."""
    from syncapi.extensions import close_clients  # noqa: PLC0415
    from syncapi.openapi import describe  # noqa: PLC0415

    app = create_app(TestingConfig())
    try:
        return json.loads(json.dumps(describe(app), sort_keys=True))
    finally:
        close_clients(app)


def main():
    """Records both files, with the settings the suite runs with (conftest.py)."""
    Flask.test_client_class = CheckedClient
    passwords.use_parameters(CHEAP_HASHING)
    answers = record()
    DESCRIPTION.write_text(json.dumps(description(), indent=1, sort_keys=True) + "\n")
    lines = (json.dumps(answer, ensure_ascii=False, sort_keys=True) for answer in answers)
    RECORDING.write_text("\n".join(lines) + "\n")  # one answer a line: a diff names the call
    print(f"{len(answers)} answers recorded in {RECORDING}, and {DESCRIPTION}", file=sys.stderr)


if __name__ == "__main__":
    main()
