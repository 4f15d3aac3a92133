"""Examples of organizations, their users, gateways and applications."""

from syncapi.openapi.examples import (
    APPLICATION,
    CREATED,
    GATEWAY_ID,
    NOW,
    OIL_MONITOR,
    OPERATOR_ID,
    ORGANIZATION,
    UPDATED,
    USER_ID,
    message,
    stored,
)

# Organizations

DETAILS = {
    "name": "Acme Industries",
    "description": "Machining plant in Valencia",
    "email": "ops@acme.io",
    "website": "https://acme.io",
}
ORGANIZATION_ANSWER = {"id": ORGANIZATION, **DETAILS, "revision": 3}
ORGANIZATIONS = [
    {
        "id": ORGANIZATION,
        "name": ORGANIZATION,
        "sizeOnDisk": 1884160,
        "empty": False,
        "applicationCount": 2,
        "userCount": 2,
    },
    {
        "id": "globex",
        "name": "globex",
        "sizeOnDisk": 274432,
        "empty": False,
        "applicationCount": 1,
        "userCount": 1,
    },
]
METADATA = {
    **DETAILS,
    "organizationId": ORGANIZATION,
    "createdAt": CREATED,
    "updatedAt": UPDATED,
    "revision": 3,
}
STATS = {
    "organization": {"id": ORGANIZATION, "name": "Acme Industries", "status": None},
    "applications": 2,
    "totalDevices": 4,
    "applicationsList": [
        {
            "applicationId": APPLICATION,
            "applicationName": "Monitoreo CNC",
            "deviceCount": 3,
            "status": "active",
        },
        {
            "applicationId": OIL_MONITOR,
            "applicationName": "Oil Monitor",
            "deviceCount": 1,
            "status": "active",
        },
    ],
}
ORGANIZATION_DELETED = message("Organization deleted successfully")

# Users

NEW_USER = {"name": "Ana García", "email": "ana@acme.io", "role": "admin"}
USER = {
    "id": USER_ID,
    **NEW_USER,
    "status": "active",
    "createdAt": CREATED,
    "revision": 1,
}
USERS = [
    USER,
    {
        "id": OPERATOR_ID,
        "name": "Óscar Ortega",
        "email": "oscar@acme.io",
        "role": "user",
        "status": "active",
        "createdAt": UPDATED,
        "revision": 1,
    },
]
USER_CHANGES = {"role": "viewer", "status": "inactive"}
CHANGED_USER = {**USER, **USER_CHANGES, "revision": 2}
PASSWORD_CHANGE = {"password": "a long passphrase", "currentPassword": "the old passphrase"}
PASSWORD_CHANGED = message("Password updated successfully")
USER_DELETED = message("User deleted successfully")

# Gateways

NEW_GATEWAY = {"gatewayId": "GW-01", "name": "Plant 1", "location": "Hall A"}
GATEWAY = stored({"status": "connected", **NEW_GATEWAY}, GATEWAY_ID)
GATEWAY_CHANGES = {"status": "disconnected"}
CHANGED_GATEWAY = stored({**NEW_GATEWAY, **GATEWAY_CHANGES}, GATEWAY_ID, revision=2)
GATEWAYS = [
    stored(
        {"status": "connected", "gatewayId": "GW-02", "name": "Plant 2", "location": "Hall B"},
        "6650a1b2c3d4e5f601234571",
        updated=UPDATED,
    ),
    CHANGED_GATEWAY,
]
GATEWAY_DELETED = message("Gateway deleted successfully")

# Applications

NEW_APPLICATION = {
    "applicationId": APPLICATION,
    "name": "Monitoreo CNC",
    "description": "CNC machines of line 1",
    "status": "active",
}
APPLICATION_ANSWER = {
    **NEW_APPLICATION,
    "collections": ["devices", "config"],
    "createdAt": CREATED,
    "updatedAt": CREATED,
    "revision": 1,
}
APPLICATION_CHANGES = {"name": "Monitoreo CNC", "description": "CNC machines of lines 1 and 2"}
CHANGED_APPLICATION = {
    **APPLICATION_ANSWER,
    **APPLICATION_CHANGES,
    "updatedAt": UPDATED,
    "revision": 2,
}
APPLICATIONS = [
    {**CHANGED_APPLICATION, "deviceCount": 3, "lastModified": UPDATED},
    {
        "applicationId": OIL_MONITOR,
        "name": "Oil Monitor",
        "description": "Oil level and quality of tanks",
        "status": "active",
        "collections": ["devices", "config"],
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "revision": 1,
        "deviceCount": 1,
        "lastModified": CREATED,
    },
]
APPLICATION_DELETED = message("Application deleted successfully")
APPLICATION_CONFIG = {"sampleIntervalMs": 1000, "featureFlags": {"alarms": True}}
APPLICATION_STATS = {"applicationId": APPLICATION, "deviceCount": 3, "lastActivity": NOW}
MOUNT_ALIVE = message("Application routes are working!")
