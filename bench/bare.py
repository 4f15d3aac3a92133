"""The baseline: a bare Flask app making the same MongoDB (and InfluxDB) calls as syncapi, on
the same store, with none of syncapi's per-request work (no auth, no validation of ids, no
error mapping, no security headers, no CORS, no rate limiter).

What syncapi costs on top of this app is its own overhead; what both cost is the store's.
"""

import logging
import os
from datetime import UTC, datetime

from flask import Flask, abort, request

from bench import world

APPLICATION = "/api/organizations/<org>/applications/<app_id>"
DEVICES = f"{APPLICATION}/devices"


def create(client, influx=None, status_query=None, log_requests=False):
    """`client` is the MongoClient of the syncapi app it is compared with; `influx` its
    InfluxDBClient3 and `status_query` the `(sql, params, database)` that syncapi sent for
    `/device/<id>/status` (replayed as is); `log_requests` logs one line per request."""
    app = Flask("bare")
    shared = client[world.SHARED]

    def devices_of(org, app_id):
        """The two lookups every application route of syncapi makes first."""
        found = client.admin.command("listDatabases", nameOnly=True, filter={"name": org})
        if not found["databases"]:
            abort(404)
        projection = {"_id": 0, f"value.applicationSettings.{app_id}": 1}
        registry = client[org].config.find_one({"key": "applications"}, projection)
        if not (registry or {}).get("value", {}).get("applicationSettings", {}).get(app_id):
            abort(404)
        return client[org][f"{app_id}_devices"]

    @app.get("/hello")
    def hello():
        return {"message": "ok"}

    @app.get(f"{DEVICES}/<machine_id>")
    def get_device(org, app_id, machine_id):
        query = {"machineId": {"$eq": machine_id, "$type": "string"}}
        document = devices_of(org, app_id).find_one(query)
        if document is None:
            abort(404)
        return plain(document)

    @app.put(f"{DEVICES}/<machine_id>")
    def update_device(org, app_id, machine_id):
        """syncapi's update of a device's name, without its change-log entry: the sent keys
        and `updatedAt` set, the revision moved on, in one write; the document after."""
        body = request.get_json()
        if not isinstance(body, dict):
            abort(400)
        query = {"machineId": {"$eq": machine_id, "$type": "string"}}
        changes = {**body, "updatedAt": datetime.now(UTC)}
        update = {"$set": changes, "$inc": {"revision": 1}}
        before = devices_of(org, app_id).find_one_and_update(query, update)
        if before is None:
            abort(404)
        return plain({**before, **changes, "revision": before.get("revision", 0) + 1})

    @app.get(DEVICES)
    def list_devices(org, app_id):
        return [plain(document) for document in devices_of(org, app_id).find()]

    @app.post(DEVICES)
    def create_device(org, app_id):
        body = request.get_json()
        if not isinstance(body, dict) or not isinstance(body.get("machineId"), str):
            abort(400)
        collection = devices_of(org, app_id)
        now = datetime.now(UTC)
        holder = {"applicationId": app_id, "machineId": body["machineId"]}
        shared.machine_claims.update_one(
            {"_id": body["machineId"], "organizationId": org},
            {"$addToSet": {"holders": holder}, "$setOnInsert": {"since": now}}
            | {"$unset": {"demo": ""}},
            upsert=True,
        )
        document = {**body, "organizationId": org, "applicationId": app_id}
        document |= {"createdAt": now, "updatedAt": now}
        collection.insert_one(document)
        shared.application_summaries.update_one(
            {"_id": f"{org}/{app_id}"},
            {"$inc": {"deviceCount": 1}, "$setOnInsert": {"organizationId": org}},
            upsert=True,
        )
        return plain(document), 201

    @app.get("/api/organizations")
    def list_organizations():
        return [
            {
                "id": summary["_id"],
                "name": summary["_id"],
                "sizeOnDisk": summary.get("sizeOnDisk", 0),
                "empty": summary.get("empty", False),
                "applicationCount": summary.get("applicationCount", 0),
                "userCount": summary.get("userCount", 0),
            }
            for summary in shared.organization_summaries.find({}).sort("_id", 1)
        ]

    @app.get("/device/<machine_id>")
    def get_legacy_device(machine_id):
        document = shared.devices.find_one({"machineId": {"$eq": machine_id, "$type": "string"}})
        if document is None:
            abort(404)
        return plain(document)

    @app.get("/device/<machine_id>/status")
    def machine_status(machine_id):
        sql, params, database = status_query
        rows = influx.query(sql, database=database, query_parameters=params).to_pylist()
        return {"power": rows[0]["power"] if rows else None}

    if log_requests:
        log_one_line_per_request(app)
    return app


def plain(document):
    """What JSON can carry of a stored document (Flask writes dates itself)."""
    return {**document, "_id": str(document["_id"])}


def log_one_line_per_request(app):
    """The baseline of later per-request work (metrics, logs, change history): one formatted
    line per request through `logging`, written to the null device."""
    log = logging.getLogger("bench.requests")
    log.propagate = False
    log.setLevel(logging.INFO)
    if not log.handlers:
        handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (process-long)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)

    @app.after_request
    def log_request(response):
        log.info("%s %s %s", request.method, request.path, response.status_code)
        return response
