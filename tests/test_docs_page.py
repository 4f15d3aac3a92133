"""`/api/docs` reads like documentation: every operation under a declared tag, in the
order the console meets them."""

import json

import pytest

from syncapi.openapi import describe
from tests.helpers import unserved_app

METHODS = {"get", "post", "put", "patch", "delete"}
# The console's screens, top to bottom (spec console-calls.md), then what it does not call.
CONSOLE_ORDER = [
    "Organizations",
    "Users",
    "Dashboard",
    "Applications",
    "Devices",
    "Machine data",
    "Event classes",
    "Functions",
    "Connectors",
    "Gateways",
    "Icons",
]
OTHERS = [
    "Authentication",
    "Change history",
    "Services",
    "Machine registry",
    "Legacy devices",
    "Status",
    "Metrics",
]


@pytest.fixture(scope="module")
def document():
    return json.loads(json.dumps(describe(unserved_app())))


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", item, operation


def test_the_tags_are_declared_in_the_console_order_and_each_holds_operations(document):
    declared = [tag["name"] for tag in document["tags"]]
    assert declared == CONSOLE_ORDER + OTHERS
    assert all(len(tag["description"]) > 20 for tag in document["tags"])
    used = {}
    for label, _, operation in operations(document):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in declared, label
        used.setdefault(operation["tags"][0], []).append(label)
    assert sorted(used) == sorted(declared)
    assert "GET /device/{machineId}/status" in used["Machine data"]
    assert "GET /device/{machineId}" in used["Legacy devices"]
    listed = [operation["tags"][0] for _, _, operation in operations(document)]
    assert listed == sorted(listed, key=declared.index)  # the page lists them in that order


def test_the_description_says_why_device_routes_are_under_both_mounts(document):
    assert "because the console calls both" in document["info"]["description"]
    devices = next(tag for tag in document["tags"] if tag["name"] == "Devices")
    assert "/api/organizations/…" in devices["description"]
    assert "/api/applications/…" in devices["description"]
    assert "because the console calls both" in devices["description"]
    mounts = {
        path.split("/")[2]
        for path in document["paths"]
        if path.endswith("/devices") or path.endswith("/device-tags")
    }
    assert mounts == {"organizations", "applications"}
