"""Examples of the dashboard, the change history, the services, signing in, the icon
library, the status and the metrics."""

from syncapi.openapi.examples import (
    APPLICATION,
    OIL_MONITOR,
    ORGANIZATION,
    REQUEST_ID,
    SERVICE_ID,
    UPDATED,
    USER_ID,
    message,
    stored,
)
from syncapi.openapi.examples.devices import CHANGED_DEVICE, DEVICE, EVENTS

# Dashboard

REGISTERED = {"count": 4}
APPLICATION_COUNT = {"count": 2}
CONNECTED = {"count": 3}
EVENTS_LAST_DAY = {"count": 4512}
EVENTS_EVER = {"count": 131078}
STORAGE = {"storage": 1.31078}
CPU = [{"time": 1770111680000, "cpu_usage": 12.4}]
RAM = [{"time": 1770111680000, "ram_usage": 41.7}]
LATEST_EVENTS = [
    {
        "time": 1770111690204,
        "machine_id": "A1B2C3D4E5F60708",
        "event_id": "oil_level",
        "event_value": "1875.5",
        "event_class": "oil_level",
    },
    *EVENTS,
]
FLEET_APPLICATIONS = [
    {
        "applicationId": APPLICATION,
        "name": "Monitoreo CNC",
        "description": "CNC machines of lines 1 and 2",
        "status": "active",
        "deviceCount": 3,
        "organizationId": ORGANIZATION,
    },
    {
        "applicationId": OIL_MONITOR,
        "name": "Oil Monitor",
        "description": "Oil level and quality of tanks",
        "status": "active",
        "deviceCount": 1,
        "organizationId": ORGANIZATION,
    },
]

# Change history

ACTOR = {"sub": USER_ID, "role": "admin", "auth": "token"}
DEVICE_CHANGE = {
    "seq": 42,
    "at": UPDATED,
    "actor": ACTOR,
    "action": "update",
    "resource": {"type": "device", "id": "CN4", "applicationId": APPLICATION},
    "before": DEVICE,
    "after": CHANGED_DEVICE,
    "bytes": 845,
    "requestId": REQUEST_ID,
}
CHANGES = [
    DEVICE_CHANGE,
    {
        "seq": 43,
        "at": UPDATED,
        "actor": ACTOR,
        "action": "delete",
        "resource": {"type": "device", "id": "CN4", "applicationId": APPLICATION},
        "before": CHANGED_DEVICE,
        "after": None,
        "bytes": 421,
        "requestId": "9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
    },
]
SHARED_CHANGES = [
    {
        "seq": 7,
        "at": UPDATED,
        "actor": {"sub": "operator-3f9a1c2e", "role": "admin", "auth": "token"},
        "action": "delete",
        "resource": {"type": "organization", "id": "globex"},
        "before": {"name": "Globex", "organizationId": "globex", "revision": 2},
        "after": None,
        "bytes": 164,
        "requestId": REQUEST_ID,
    }
]
RESTORED = {**CHANGED_DEVICE, "revision": 3, "updatedAt": "2026-02-03T09:41:27.512Z"}

# Services

NEW_SERVICE = {
    "name": "mqtt-broker",
    "type": "mqtt",
    "configuration": {
        "host": "mqtt-broker",
        "port": 1883,
        "username": "sync-api",
        "password": "change-me",
    },
}
SERVICE = stored(
    {
        **NEW_SERVICE,
        "configuration": {**NEW_SERVICE["configuration"], "password": "********"},
        "enabled": True,
    },
    SERVICE_ID,
)
SERVICE_CHANGES = {
    "configuration": {
        "host": "mqtt.acme.io",
        "port": 8883,
        "username": "sync-api",
        "password": "********",  # masked as read: the stored password stays
    }
}
CHANGED_SERVICE = stored({**SERVICE, **SERVICE_CHANGES}, SERVICE_ID, revision=2)
TOGGLE = {"enabled": False}
TOGGLED_SERVICE = {**CHANGED_SERVICE, "enabled": False, "revision": 3}
SERVICES = [
    TOGGLED_SERVICE,
    stored(
        {
            "name": "influxdb",
            "type": "influxdb",
            "configuration": {
                "url": "http://influxdb:8181",
                "database": "sync",
                "token": "********",
            },
            "enabled": True,
        },
        "6650a1b2c3d4e5f601234574",
    ),
]

# Signing in

LOGIN = {"organizationId": ORGANIZATION, "email": "ana@acme.io", "password": "a long passphrase"}
TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NjUwYTFiMmMzZDRlNWY2MDEyMzQ1NjkiLCJvcmdz"
    "IjpbImFjbWUiXSwicm9sZSI6ImFkbWluIn0.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4"
)
LOGGED_IN = {"accessToken": TOKEN, "expiresIn": 3600, "role": "admin"}
LOGGED_OUT = message("Logged out")

# Icons

ICON_UPLOADED = {
    "message": "Icon uploaded successfully",
    "path": "/api/library/drivers/fanuc/icon",
    "filename": "fanuc.svg",
    "category": "drivers",
    "name": "fanuc",
}

# Status and metrics

RUNNING = message("Sync API is running")
READY = {"status": "ready", "mongodb": "ok", "influxdb": "ok"}
METRICS = """\
# HELP syncapi_request_duration_seconds Time from the request's arrival to its answer; \
_count: requests answered
# TYPE syncapi_request_duration_seconds histogram
syncapi_request_duration_seconds_count{method="GET",route="/device/<machine_id>/status",\
status="200"} 1027.0
syncapi_request_duration_seconds_sum{method="GET",route="/device/<machine_id>/status",\
status="200"} 3.08
# HELP syncapi_workers Worker processes serving
# TYPE syncapi_workers gauge
syncapi_workers 2.0
"""
