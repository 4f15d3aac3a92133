"""What the API description says of each route, keyed by its endpoint: the body its view
loads, the answer it dumps, the statuses only it has, its query parameters, an example.

What every route of a kind shares is not repeated here but derived (`syncapi.openapi`): path
parameters from the URL map, 401/403 from its `auth` rule, 404 for an organization or
application in its path, 400 and 413 for a body, 503 for a backend. The summary is the
first line of the view's docstring unless given here. `tests/test_openapi.py` fails when
an endpoint of the app is missing from this table or the table names one the app lacks.
"""

from dataclasses import dataclass

from marshmallow import INCLUDE

from syncapi.blueprints import (
    application_routes,
    applications,
    change_routes,
    connector_routes,
    device_routes,
    gateway_routes,
    organizations,
    services,
    user_routes,
)
from syncapi.openapi import answers
from syncapi.openapi.parameters import IDENTIFIER, change_parameters, query
from syncapi.schemas.applications import (
    ApplicationListItemSchema,
    ApplicationOutSchema,
    ApplicationSchema,
    ApplicationUpdateSchema,
)
from syncapi.schemas.changes import ChangeOutSchema
from syncapi.schemas.connectors import ConnectorSchema
from syncapi.schemas.devices import DeviceSchema, LegacyDeviceSchema, TagChangeSchema
from syncapi.schemas.event_classes import EventClassOutSchema, EventClassSchema
from syncapi.schemas.functions import EvaluationSchema, FunctionOutSchema, FunctionSchema
from syncapi.schemas.gateways import GatewaySchema
from syncapi.schemas.machines import (
    MachineClaimOutSchema,
    MachineClaimSchema,
    MachineStatusQuerySchema,
)
from syncapi.schemas.organizations import (
    OrganizationListItemSchema,
    OrganizationOutSchema,
    OrganizationStatsSchema,
    OrganizationUpdateSchema,
)
from syncapi.schemas.services import ServiceSchema, ToggleSchema
from syncapi.schemas.users import (
    LoginSchema,
    PasswordChangeSchema,
    UserCreateSchema,
    UserOutSchema,
    UserUpdateSchema,
)

JSON = "application/json"


@dataclass(frozen=True)
class Many:
    """An array of `item` (a schema or a `Stored`)."""

    item: object


@dataclass(frozen=True)
class Stored:
    """A document answered as stored: the keys its body schema declares, its `_id`, and
    whatever else it holds (timestamps, keys of older writers)."""

    schema: type


BY_MACHINE_POWER = {
    "type": "object",
    "description": "`{machineId: {power}}` of the machines the caller may see.",
    "additionalProperties": {"$ref": "#/components/schemas/Power"},
}
RAW_DOCUMENT = {"type": "object", "description": "The stored document, every key as written."}
RESTORED = {
    "description": "The restored device, connector, gateway (as stored), function or user "
    "(as their own GET answers them).",
    "anyOf": [
        {"$ref": f"#/components/schemas/{name}"}
        for name in ("StoredDevice", "StoredConnector", "StoredGateway", "FunctionOut", "UserOut")
    ],
}
BINARY = {"type": "string", "format": "binary"}


@dataclass(frozen=True)
class Operation:
    answer: object = None  # a schema, Many, Stored, or a JSON Schema dict; None: no body
    body: object = None  # the schema instance the view loads the body through
    status: tuple = (200,)
    errors: tuple = ()  # statuses beyond those derived for every route of its kind
    query: tuple = ()
    summary: str = None
    example: object = None  # a body that loads through `body`
    answer_media: tuple = (JSON,)
    body_media: str = JSON
    backend: bool = True  # False: touches neither MongoDB nor InfluxDB
    security: list = None  # who may call, when not what `auth.route_rule` says
    listing: object = None  # the `ListQuerySchema` a list's view loads its parameters with
    # One document with its ETag (`syncapi.web.conditional`): a GET takes If-None-Match (304), a
    # PUT, PATCH or DELETE If-Match (412) unless `if_match` is False; `if_match` True alone:
    # a write that checks If-Match but answers no ETag.
    conditional: bool = False
    if_match: bool = None
    headers: dict = None  # headers of the answer beyond those derived


# Anyone may call; a token or the cookie sent is the session that ends.
OPTIONAL_SESSION = [{}, {"bearer": []}, {"sessionCookie": []}]
MESSAGE = answers.MessageSchema
COUNT = answers.CountSchema
MULTIPART = "multipart/form-data"
IMAGES = ("image/svg+xml", "image/png", "image/jpeg")
REVEAL = query(
    "reveal",
    {"type": "string"},
    "`true` answers secrets of `configuration` as stored (else masked as `********`).",
)
ORGANIZATION_IN_QUERY = query(
    "organizationId", IDENTIFIER, "The organization; default the server's `ORGANIZATION_ID`."
)

DEVICE_EXAMPLE = {
    "machineId": "CN6",
    "name": "CN6",
    "events": [{"id": "M30", "class": "PIECES"}],
    "connectors": ["Fanuc"],
    "properties": {"ip": "10.0.0.40", "port": 5000},
}
CONNECTOR_EXAMPLE = {
    "name": "Fanuc",
    "driver": "fanuc",
    "description": "Connector Fanuc for application",
    "properties": {},
    "collections": {"STATE": {"used": True, "variables": {}}},
    "organizationId": "autentiodemo",  # the console sends it; the path's is stored
}
FUNCTION_EXAMPLE = {
    "name": "Magnitud",
    "type": "Algebraic Function",
    "expression": "sqrt(x*x+y*y)",
    "variables": ["x", "y"],
    "events": [
        {
            "type": "event",
            "eventClass": "CARTESIAN_POSITION",
            "event": "CARTESIAN_POSITION",
            "name": "x",
        }
    ],
    "description": "",
}
EVENT_CLASS_EXAMPLE = {
    "className": "MODE",
    "topic": "accepted",
    "type": "STR",
    "auth_values": ["EDIT", "MANUAL", "AUTOMATIC"],
}

# Routes load it with `unknown=INCLUDE` (stored) or `EXCLUDE` (ignored): either way a body
# may carry other keys.
CONNECTOR_BODY = ConnectorSchema(unknown=INCLUDE)

list_devices = Operation(answer=Many(Stored(DeviceSchema)), listing=device_routes.DEVICES_QUERY)
list_tags = Operation(answer=Many(answers.TagCountSchema))
change_tags = Operation(
    body=TagChangeSchema(),
    answer=answers.TagsChangedSchema,
    example={"machineIds": ["CN1", "CN2"], "add": ["line-2"], "remove": ["line-1"]},
)
create_device = Operation(
    body=DeviceSchema(),
    answer=Stored(DeviceSchema),
    status=(201,),
    errors=(409,),
    example=DEVICE_EXAMPLE,
    conditional=True,
)
list_connectors = Operation(
    answer=Many(Stored(ConnectorSchema)), listing=connector_routes.CONNECTORS_QUERY
)
get_connector = Operation(answer=Stored(ConnectorSchema), errors=(404,), conditional=True)
update_connector = Operation(
    body=CONNECTOR_BODY,
    answer=Stored(ConnectorSchema),
    errors=(404, 409),
    example=CONNECTOR_EXAMPLE,
    conditional=True,
)
delete_connector = Operation(answer=MESSAGE, errors=(404,), conditional=True)
CHANGE_FEED = Operation(
    answer=Many(ChangeOutSchema),
    query=change_parameters(change_routes.CHANGE_QUERY),
    headers={
        "Link": {
            "description": 'The read that follows a full page: `rel="next"`, `since` the '
            "page's last seq (a page that is not full has none).",
            "schema": {"type": "string"},
        }
    },
)

OPERATIONS = {
    # /api/organizations
    "organizations.list_organizations": Operation(
        answer=Many(OrganizationListItemSchema), listing=organizations.ORGANIZATIONS_QUERY
    ),
    "organizations.get_organization": Operation(answer=OrganizationOutSchema, conditional=True),
    "organizations.save_organization": Operation(
        body=OrganizationUpdateSchema(),
        answer=OrganizationOutSchema,
        status=(200, 201),
        errors=(409,),
        example={"name": "Autentio Dev", "email": "dev@example.com"},
        conditional=True,
    ),
    "organizations.delete_organization": Operation(
        answer=MESSAGE,
        query=(query("confirm", {"type": "string"}, "The organization id again.", required=True),),
    ),
    "organizations.get_organization_config": Operation(answer=RAW_DOCUMENT, conditional=True),
    "organizations.get_organization_stats": Operation(answer=OrganizationStatsSchema),
    "organizations.list_applications": Operation(
        answer=Many(ApplicationListItemSchema), listing=application_routes.APPLICATIONS_QUERY
    ),
    "organizations.create_application": Operation(
        body=ApplicationSchema(),
        answer=ApplicationOutSchema,
        status=(201,),
        errors=(409,),
        example={
            "applicationId": "robosync",
            "name": "RoboSync",
            "description": "Robots",
            "status": "active",
        },
        conditional=True,
    ),
    "organizations.get_application": Operation(answer=ApplicationOutSchema, conditional=True),
    "organizations.update_application": Operation(
        body=ApplicationUpdateSchema(partial=True),
        answer=ApplicationOutSchema,
        errors=(409,),
        example={"name": "RoboSync", "description": "Robots and arms"},
        conditional=True,
    ),
    "organizations.delete_application": Operation(answer=MESSAGE, errors=(409,)),
    "organizations.list_device_properties": Operation(answer=Many(answers.PropertyKeySchema)),
    "organizations.list_oilmonitor_devices": Operation(
        answer=Many(RAW_DOCUMENT), listing=organizations.OILMONITOR_QUERY
    ),
    "organizations.list_devices": list_devices,
    "organizations.list_tags": list_tags,
    "organizations.change_tags": change_tags,
    "organizations.create_device": create_device,
    "organizations.get_device": Operation(
        answer=Stored(DeviceSchema), errors=(404,), conditional=True
    ),
    "organizations.update_device": Operation(
        body=DeviceSchema(partial=True),
        answer=Stored(DeviceSchema),
        errors=(404, 409),
        example={"name": "CN4", "connectors": ["Fanuc"], "properties": {"port": 5000}},
        conditional=True,
    ),
    "organizations.delete_device": Operation(answer=MESSAGE, errors=(404,), conditional=True),
    "organizations.list_connectors": list_connectors,
    "organizations.get_connector": get_connector,
    "organizations.create_connector": Operation(
        body=CONNECTOR_BODY,
        answer=Stored(ConnectorSchema),
        status=(201,),
        errors=(409,),
        example={"name": "MQTT", "driver": "mqtt", "properties": {"mqtt_topic": "#"}},
        conditional=True,
    ),
    "organizations.update_connector": update_connector,
    "organizations.delete_connector": delete_connector,
    "organizations.list_users": Operation(
        answer=Many(UserOutSchema), listing=user_routes.USERS_QUERY
    ),
    "organizations.create_user": Operation(
        body=UserCreateSchema(),
        answer=UserOutSchema,
        status=(201,),
        errors=(409,),
        example={"name": "Ana", "email": "ana@example.com", "role": "admin"},
        conditional=True,
    ),
    "organizations.get_user": Operation(answer=UserOutSchema, errors=(404,), conditional=True),
    "organizations.update_user": Operation(
        body=UserUpdateSchema(partial=True),
        answer=UserOutSchema,
        errors=(404, 409),
        example={"role": "viewer", "status": "inactive"},
        conditional=True,
    ),
    "organizations.delete_user": Operation(answer=MESSAGE, errors=(404,), conditional=True),
    "organizations.set_user_password": Operation(
        body=PasswordChangeSchema(),
        answer=MESSAGE,
        errors=(404, 429),
        example={"password": "a long passphrase", "currentPassword": "the old passphrase"},
        if_match=True,  # the user's ETag; the answer is a message
    ),
    "organizations.list_gateways": Operation(
        answer=Many(Stored(GatewaySchema)), listing=gateway_routes.GATEWAYS_QUERY
    ),
    "organizations.create_gateway": Operation(
        body=GatewaySchema(),
        answer=Stored(GatewaySchema),
        status=(201,),
        errors=(409,),
        example={"gatewayId": "GW-01", "name": "Planta 1", "location": "Nave A"},
        conditional=True,
    ),
    "organizations.get_gateway": Operation(
        answer=Stored(GatewaySchema), errors=(404,), conditional=True
    ),
    "organizations.update_gateway": Operation(
        body=GatewaySchema(partial=True),
        answer=Stored(GatewaySchema),
        errors=(404, 409),
        example={"status": "disconnected"},
        conditional=True,
    ),
    "organizations.delete_gateway": Operation(
        answer=MESSAGE,
        errors=(404,),
        summary="Delete a gateway by its `gatewayId`.",
        conditional=True,
    ),
    "organizations.organization_changes": CHANGE_FEED,
    "organizations.restore_change": Operation(
        answer=RESTORED,
        status=(201,),
        errors=(404, 409),
        conditional=True,
        summary='Create again the document a change deleted (README "Restore").',
    ),
    # /api/applications
    "applications.test_route": Operation(answer=MESSAGE),
    "applications.get_config": Operation(answer=RAW_DOCUMENT, conditional=True),
    "applications.get_stats": Operation(answer=answers.ApplicationStatsSchema),
    "applications.list_devices": list_devices,
    "applications.list_tags": list_tags,
    "applications.change_tags": change_tags,
    "applications.create_device": create_device,
    "applications.list_event_classes": Operation(
        answer=Many(EventClassOutSchema), listing=applications.EVENT_CLASSES_QUERY
    ),
    "applications.create_event_class": Operation(
        body=EventClassSchema(),
        answer=EventClassOutSchema,
        status=(201,),
        errors=(409,),
        example=EVENT_CLASS_EXAMPLE,
        conditional=True,
    ),
    "applications.replace_event_classes": Operation(
        body=EventClassSchema(many=True),
        answer=Many(EventClassOutSchema),
        errors=(409,),
        example=[
            EVENT_CLASS_EXAMPLE,
            {"class": "JOINT", "topic": "robot/joints", "type": "FLOAT", "values_range": [-9, 9]},
        ],
    ),
    "applications.list_functions": Operation(
        answer=Many(FunctionOutSchema), listing=applications.FUNCTIONS_QUERY
    ),
    "applications.create_function": Operation(
        body=FunctionSchema(),
        answer=FunctionOutSchema,
        status=(201,),
        errors=(409,),
        example=FUNCTION_EXAMPLE,
        conditional=True,
    ),
    "applications.get_function": Operation(
        answer=FunctionOutSchema, errors=(404,), conditional=True
    ),
    "applications.update_function": Operation(
        body=FunctionSchema(),
        answer=FunctionOutSchema,
        errors=(404,),
        example=FUNCTION_EXAMPLE,
        conditional=True,
    ),
    "applications.delete_function": Operation(answer=MESSAGE, errors=(404,), conditional=True),
    "applications.evaluate_function": Operation(
        body=EvaluationSchema(),
        answer=answers.EvaluationResultSchema,
        errors=(404,),
        example={"values": {"x": 3, "y": 4}},
    ),
    "applications.list_connectors": list_connectors,
    "applications.create_connector": Operation(
        body=CONNECTOR_BODY,
        answer=Stored(ConnectorSchema),
        status=(201,),
        errors=(409,),
        example=CONNECTOR_EXAMPLE,
        conditional=True,
    ),
    "applications.get_connector": get_connector,
    "applications.update_connector": update_connector,
    "applications.delete_connector": delete_connector,
    # /device
    "device.machine_events": Operation(answer=Many(answers.EventRowSchema), errors=(500,)),
    "device.machine_status": Operation(answer=answers.PowerSchema, errors=(500,)),
    "device.machines_status": Operation(
        body=MachineStatusQuerySchema(),
        answer=BY_MACHINE_POWER,
        errors=(500,),
        example={"machineIds": ["CN1", "CN2"]},
    ),
    "device.create_device": Operation(
        body=LegacyDeviceSchema(),
        answer=Stored(LegacyDeviceSchema),
        status=(201,),
        errors=(409,),
        example={
            "machineId": "A1B2C3D4E5F60708",
            "name": "Tank 3",
            "properties": {"max_tank_volume": 2500},
        },
        conditional=True,
    ),
    "device.get_device": Operation(
        answer=Stored(LegacyDeviceSchema), errors=(404,), conditional=True
    ),
    "device.update_device": Operation(
        body=LegacyDeviceSchema(partial=True),
        answer=Stored(LegacyDeviceSchema),
        errors=(404, 409),
        example={"name": "Tank 4", "organizationId": "acme"},
        conditional=True,
    ),
    "device.delete_device": Operation(answer=MESSAGE, errors=(404,), conditional=True),
    # /api/services
    "services.list_services": Operation(
        answer=Many(Stored(ServiceSchema)), query=(REVEAL,), listing=services.SERVICES_QUERY
    ),
    "services.get_service": Operation(
        answer=Stored(ServiceSchema), errors=(404,), query=(REVEAL,), conditional=True
    ),
    "services.create_service": Operation(
        body=ServiceSchema(),
        answer=Stored(ServiceSchema),
        status=(201,),
        errors=(409,),
        query=(REVEAL,),
        example={
            "name": "redis-cache",
            "type": "redis",
            "configuration": {"host": "cache", "port": 6379, "db": 0},
        },
        conditional=True,
    ),
    "services.update_service": Operation(
        body=ServiceSchema(partial=True),
        answer=Stored(ServiceSchema),
        errors=(404, 409),
        query=(REVEAL,),
        example={"configuration": {"host": "cache", "password": "********"}},
        conditional=True,
    ),
    "services.toggle_service": Operation(
        body=ToggleSchema(),
        answer=Stored(ServiceSchema),
        errors=(404,),
        query=(REVEAL,),
        example={"enabled": False},
        conditional=True,
    ),
    "services.delete_service": Operation(
        status=(204,), errors=(404,), query=(REVEAL,), conditional=True
    ),
    "changes.shared_changes": CHANGE_FEED,
    # /api/library (icons)
    "icons.get_icon": Operation(answer=BINARY, answer_media=IMAGES, errors=(404,), backend=False),
    "icons.get_icon_in_format": Operation(
        answer=BINARY, answer_media=IMAGES, errors=(404,), backend=False
    ),
    "icons.upload_icon": Operation(
        body=answers.IconFileSchema(),
        body_media=MULTIPART,
        answer=answers.IconUploadedSchema,
        status=(201,),
        backend=False,
    ),
    "icons.upload_icon_by_form": Operation(
        body=answers.IconUploadFormSchema(),
        body_media=MULTIPART,
        answer=answers.IconUploadedSchema,
        status=(201,),
        backend=False,
    ),
    # /api/query
    "query.registered_devices": Operation(
        answer=COUNT, errors=(404,), query=(ORGANIZATION_IN_QUERY,)
    ),
    "query.registered_devices_everywhere": Operation(
        answer=COUNT, summary="Devices of every application the caller may see."
    ),
    "query.registered_applications": Operation(
        answer=COUNT, summary="Applications the caller may see."
    ),
    "query.applications_everywhere": Operation(
        answer=Many(answers.FleetApplicationSchema),
        summary="Every application the caller may see, with its organization.",
    ),
    "query.connected_machines": Operation(
        answer=COUNT,
        errors=(500,),
        summary="Machines with a `power = true` sample in the last 24 hours.",
    ),
    "query.events_processed_last_day": Operation(
        answer=COUNT, errors=(500,), summary="Events of the last 24 hours."
    ),
    "query.events_processed": Operation(
        answer=COUNT, errors=(500,), summary="Events over all history."
    ),
    "query.latest_events": Operation(
        answer=Many(answers.EventRowSchema),
        errors=(500,),
        summary="The newest 20 events of the last 24 hours, newest first.",
    ),
    "query.cpu_usage": Operation(answer=Many(answers.CpuSampleSchema)),
    "query.ram_usage": Operation(
        answer=Many(answers.RamSampleSchema),
        summary="Latest RAM use of the last minute; `[]` without a sample.",
    ),
    "query.storage": Operation(answer=answers.StorageSchema),
    # /api/auth
    "auth.login": Operation(
        body=LoginSchema(),
        answer=answers.LoginAnswerSchema,
        errors=(401, 429),
        example={
            "organizationId": "acme",
            "email": "ana@acme.io",
            "password": "a long passphrase",
        },
    ),
    "auth.logout": Operation(answer=MESSAGE, errors=(403,), security=OPTIONAL_SESSION),
    # /api/machines
    "machines.list_claims": Operation(
        answer=Many(MachineClaimOutSchema), query=(ORGANIZATION_IN_QUERY,)
    ),
    "machines.get_claim": Operation(answer=MachineClaimOutSchema, errors=(404,), conditional=True),
    "machines.assign_claim": Operation(
        body=MachineClaimSchema(),
        answer=MachineClaimOutSchema,
        status=(200, 201),
        errors=(404,),
        example={"organizationId": "acme", "since": "2025-01-01T00:00:00Z"},
        conditional=True,
        if_match=False,  # a claim has no revision: its answers carry a content ETag
    ),
    "machines.release_claim": Operation(answer=MESSAGE, errors=(404,)),
    # /status, /ready, /metrics
    "status.get_status": Operation(answer=MESSAGE, backend=False),
    "status.get_ready": Operation(answer=answers.ReadySchema),
    "metrics.get_metrics": Operation(
        answer={"type": "string", "description": "Prometheus text exposition format 0.0.4"},
        answer_media=("text/plain",),
        errors=(401, 503),
        backend=False,
        security=[{"metricsToken": []}],
    ),
    # the description itself and its page
    "docs.openapi": Operation(answer={"type": "object"}, backend=False),
    "docs.page": Operation(answer={"type": "string"}, answer_media=("text/html",), backend=False),
    "docs.asset": Operation(
        answer=BINARY,
        answer_media=("text/css", "text/javascript", "image/png"),
        errors=(404,),
        backend=False,
    ),
}
