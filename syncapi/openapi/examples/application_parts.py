"""Examples of an application's event classes, functions and connectors, and of the
organization's connector catalogue."""

from syncapi.openapi.examples import (
    APPLICATION,
    CONNECTOR_ID,
    ORGANIZATION,
    TEMPLATE_ID,
    message,
    stored,
)

# Event classes

NEW_EVENT_CLASS = {
    "className": "MODE",
    "topic": "cnc/mode",
    "type": "STR",
    "auth_values": ["EDIT", "MANUAL", "AUTOMATIC"],
}
JOINT = {"class": "JOINT", "topic": "robot/joints", "type": "FLOAT", "values_range": [-9, 9]}
EVENT_CLASS = {
    "id": "ec_1768465800000",
    "class": "MODE",
    "topic": "cnc/mode",
    "type": "STR",
    "auth_values": ["EDIT", "MANUAL", "AUTOMATIC"],
}
EVENT_CLASSES = [
    EVENT_CLASS,
    {"id": "ec_1768465800000_1", **JOINT},
]
REPLACED_EVENT_CLASSES = [
    {**EVENT_CLASS, "id": "ec_1768465800000_0"},
    {"id": "ec_1768465800000_1", **JOINT},
]

# Functions

NEW_FUNCTION = {
    "id": "oee",
    "name": "OEE",
    "type": "Algebraic Function",
    "expression": "a*p*q",
    "variables": ["a", "p", "q"],
    "events": [
        {"type": "event", "eventClass": "STATE", "event": "availability", "name": "a"},
        {"type": "event", "eventClass": "PRODUCTION", "event": "performance", "name": "p"},
        {"type": "event", "eventClass": "PRODUCTION", "event": "quality", "name": "q"},
    ],
    "description": "Overall equipment effectiveness",
}
FUNCTION = {
    "id": "oee",
    "name": "OEE",
    "type": "Algebraic Function",
    "counter": None,
    "expression": "a*p*q",
    "variables": ["a", "p", "q"],
    "events": NEW_FUNCTION["events"],
    "description": "Overall equipment effectiveness",
    "revision": 1,
}
FUNCTION_CHANGES = {key: value for key, value in NEW_FUNCTION.items() if key != "id"}
FUNCTION_CHANGES["description"] = "Availability × performance × quality"
CHANGED_FUNCTION = {**FUNCTION, **FUNCTION_CHANGES, "revision": 2}
FUNCTIONS = [
    FUNCTION,
    {
        "id": "pieces",
        "name": "Pieces",
        "type": "Counter",
        "counter": {"name": "pieces", "eventClass": "PIECES"},
        "expression": "pieces",
        "variables": [],
        "events": [],
        "description": "Pieces made",
        "revision": 1,
    },
]
EVALUATION = {"values": {"a": 0.9, "p": 0.95, "q": 0.99}}
EVALUATED = {"result": 0.84645}
FUNCTION_DELETED = message("Function deleted successfully")

# Connectors

NEW_TEMPLATE = {
    "name": "MQTT",
    "driver": "mqtt",
    "description": "Generic MQTT broker",
    "properties": {"mqtt_topic": "#"},
}
TEMPLATE = stored(NEW_TEMPLATE, TEMPLATE_ID, organizationId=ORGANIZATION)
NEW_CONNECTOR = {
    "name": "Fanuc",
    "driver": "fanuc",
    "description": "Fanuc FOCAS controller",
    "properties": {"port": 8193},
    "collections": {
        "STATE": {"used": True, "variables": {"execution": {"label": "Execution"}}},
        "PRODUCTION": {"used": True, "variables": {"pieces_produced": {"label": "Pieces"}}},
    },
    "organizationId": ORGANIZATION,  # the console sends it; the path's is stored
}
CONNECTOR = stored(
    NEW_CONNECTOR, CONNECTOR_ID, applicationId=APPLICATION, organizationId=ORGANIZATION
)
CHANGED_CONNECTOR = stored(
    {**NEW_CONNECTOR, "properties": {"port": 8194}},
    CONNECTOR_ID,
    revision=2,
    applicationId=APPLICATION,
    organizationId=ORGANIZATION,
)
CONNECTOR_CHANGES = {**NEW_CONNECTOR, "properties": {"port": 8194}}
CONNECTORS = [TEMPLATE, CONNECTOR]
CONNECTOR_DELETED = message("Connector deleted successfully")
