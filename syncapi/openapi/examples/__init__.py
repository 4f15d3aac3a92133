"""Realistic examples of the API description: requests and the answers they get, shown by
the docs page instead of what Swagger UI would make up from the schemas (random strings for
a pattern, `"string"` for a name).

One organization tells the whole story: `acme`, its CNC application `monitoreo-cnc` with
the machine `CN4`, its oil monitor with the sensor `A1B2C3D4E5F60708`. Views state which
example is theirs (`@body(..., example=...)`, `@response(..., example=...)`);
`tests/test_openapi.py` loads every request example through its body's schema and
validates every answer example against its answer's schema in the description.
"""

ORGANIZATION = "acme"
APPLICATION = "monitoreo-cnc"
OIL_MONITOR = "oil-monitor"
MACHINE = "CN4"
EUI = "A1B2C3D4E5F60708"
REQUEST_ID = "4f9c2b7e0d1a4c3e8b6f5a2d9e1c7b30"  # 32 hex digits, as the server makes them

# ObjectIds of the stored documents the examples show.
DEVICE_ID = "6650a1b2c3d4e5f601234567"
SENSOR_ID = "6650a1b2c3d4e5f601234568"
USER_ID = "6650a1b2c3d4e5f601234569"
OPERATOR_ID = "6650a1b2c3d4e5f60123456a"
GATEWAY_ID = "6650a1b2c3d4e5f60123456b"
CONNECTOR_ID = "6650a1b2c3d4e5f60123456c"
TEMPLATE_ID = "6650a1b2c3d4e5f60123456d"
SERVICE_ID = "6650a1b2c3d4e5f60123456e"
LEGACY_DEVICE_ID = "6650a1b2c3d4e5f60123456f"

CREATED = "2026-01-15T08:30:00.000Z"
UPDATED = "2026-01-20T14:05:12.000Z"
NOW = "2026-02-03T09:41:27.512Z"


def stored(document, oid, revision=1, updated=None, **where):
    """`document` as the API answers it once stored: where it belongs (`organizationId`,
    `applicationId`), its dates, its revision and its `_id`."""
    updated = updated or (CREATED if revision == 1 else UPDATED)
    dates = {"createdAt": CREATED, "updatedAt": updated}
    return {**document, **where, **dates, "revision": revision, "_id": oid}


def message(text):
    return {"message": text}


def error(text, field=None):
    body = {"error": text, "field": field} if field else {"error": text}
    return {**body, "requestId": REQUEST_ID}


# One error body per status the description's shared answers name.
ERRORS = {
    400: error("machineId must be 1 to 128 characters without /, not blank", "machineId"),
    401: error("Authentication required"),
    403: error("A viewer may only read"),
    404: error("Device not found"),
    409: error("A device with this machineId already exists", "machineId"),
    412: error("The document has changed since the ETag you sent; read it again"),
    408: error("Request body not received in time: it must arrive within 5 s"),
    413: error("Payload too large"),
    422: error(
        "This Idempotency-Key was used with another request (another route or body)",
        "Idempotency-Key",
    ),
    429: error("Too many requests, try again later"),
    500: error("Error querying InfluxDB"),
    503: {**error("InfluxDB unavailable"), "details": "INFLUXDB_HOST not set"},
}
