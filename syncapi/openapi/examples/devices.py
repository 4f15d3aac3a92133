"""Examples of devices, their tags and properties, the machines' data, the machine registry
and the legacy devices."""

from syncapi.openapi.examples import (
    APPLICATION,
    CREATED,
    DEVICE_ID,
    EUI,
    LEGACY_DEVICE_ID,
    MACHINE,
    OIL_MONITOR,
    ORGANIZATION,
    SENSOR_ID,
    UPDATED,
    message,
    stored,
)

HERE = {"organizationId": ORGANIZATION, "applicationId": APPLICATION}

# Devices

NEW_DEVICE = {
    "machineId": MACHINE,
    "name": "CN4",
    "connectors": ["Fanuc"],
    "events": [{"id": "M30", "label": "End of program", "class": "PIECES"}],
    "properties": {
        "ip": "10.0.0.34",
        "port": 5000,
        "manufacturer": "Fanuc",
        "model": "0i-TF",
        "status": "connected",
    },
    "tags": ["line-1"],
}
DEVICE = stored(NEW_DEVICE, DEVICE_ID, **HERE)
DEVICE_CHANGES = {
    "name": "CN4 (lathe)",
    "properties": {"ip": "10.0.0.34", "port": 5001, "manufacturer": "Fanuc", "model": "0i-TF"},
}
CHANGED_DEVICE = stored({**NEW_DEVICE, **DEVICE_CHANGES}, DEVICE_ID, revision=2, **HERE)
SENSOR = stored(
    {
        "machineId": EUI,
        "eui": EUI,
        "name": "Tank 3",
        "connectors": ["MQTT"],
        "events": [],
        "properties": {"max_tank_volume": 2500, "status": "connected"},
    },
    SENSOR_ID,
    organizationId=ORGANIZATION,
    applicationId=OIL_MONITOR,
)
DEVICES = [
    DEVICE,
    stored(
        {
            "machineId": "CN5",
            "name": "CN5",
            "connectors": ["Fanuc"],
            "events": [{"id": "M30", "class": "PIECES"}],
            "properties": {"ip": "10.0.0.35", "port": 5000, "manufacturer": "Fanuc"},
            "tags": ["line-1", "night-shift"],
        },
        "6650a1b2c3d4e5f601234572",
        **HERE,
    ),
]
DEVICE_DELETED = message("Device deleted successfully")
TAG_COUNTS = [
    {"tag": "line-1", "count": 2},
    {"tag": "line-2", "count": 1},
    {"tag": "night-shift", "count": 1},
]
TAG_CHANGE = {"machineIds": ["CN4", "CN5"], "add": ["line-2"], "remove": ["line-1"]}
TAGS_CHANGED = {"matched": 2}
PROPERTY_KEYS = [
    {"key": "ip", "machines": ["CN4", "CN5"]},
    {"key": "manufacturer", "machines": ["CN4", "CN5"]},
    {"key": "model", "machines": ["CN4"]},
]
OIL_MONITOR_DEVICES = [
    {
        "_id": "6650a1b2c3d4e5f601234573",
        "eui": EUI,
        "name": "Tank 3",
        "tank": {"max_volume": 2500, "oil": "ISO VG 46"},
    }
]

# The machines' data (time series)

EVENTS = [
    {
        "time": 1770111687512,
        "machine_id": MACHINE,
        "event_id": "execution",
        "event_value": "ACTIVE",
        "event_class": "execution",
    },
    {
        "time": 1770111687512,
        "machine_id": MACHINE,
        "event_id": "mode",
        "event_value": "AUTOMATIC",
        "event_class": "mode",
    },
    {
        "time": 1770111650104,
        "machine_id": MACHINE,
        "event_id": "pieces_produced",
        "event_value": "128",
        "event_class": "pieces_produced",
    },
]
POWER = {"power": True}
STATUS_QUERY = {"machineIds": [MACHINE, "CN5", EUI]}
POWERS = {MACHINE: {"power": True}, "CN5": {"power": False}, EUI: {"power": None}}

# The machine registry

CLAIM = {
    "machineId": MACHINE,
    "organizationId": ORGANIZATION,
    "holders": [{"applicationId": APPLICATION, "machineId": MACHINE}],
    "since": CREATED,
}
CLAIMS = [
    {
        "machineId": EUI,
        "organizationId": ORGANIZATION,
        "holders": [{"applicationId": OIL_MONITOR, "machineId": EUI}],
        "since": CREATED,
    },
    CLAIM,
]
ASSIGNMENT = {"organizationId": ORGANIZATION, "since": "2025-06-01T00:00:00Z"}
ASSIGNED = {**CLAIM, "since": "2025-06-01T00:00:00.000Z", "assignedAt": UPDATED}
CLAIM_RELEASED = message("Machine claim released")

# Legacy devices

NEW_LEGACY_DEVICE = {
    "machineId": MACHINE,
    "name": "CN4",
    "properties": {"ip": "10.0.0.34", "port": 5000},
    "organizationId": ORGANIZATION,
}
LEGACY_DEVICE = stored(
    {"machineId": MACHINE, "name": "CN4", "connectors": [], "events": [], **NEW_LEGACY_DEVICE},
    LEGACY_DEVICE_ID,
)
LEGACY_DEVICE_CHANGES = {"name": "CN4 (lathe)", "organizationId": ORGANIZATION}
CHANGED_LEGACY_DEVICE = stored(
    {**LEGACY_DEVICE, **LEGACY_DEVICE_CHANGES}, LEGACY_DEVICE_ID, revision=2
)
