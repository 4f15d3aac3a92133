"""The tags of the API description: one per resource, each operation under the one its path
names, in the order the console meets them (its screens, top to bottom: organizations and
their users, the dashboard, applications, their devices and machines' data, event classes,
functions, connectors, gateways, icons), then what the console does not call.

An operation's tag comes from its path like its parameters do: nothing is stated twice, and
a path no tag claims, or two claim, stops the description from being built (a new route
gets its tag the day it is written).
"""

import re
from dataclasses import dataclass

ORGANIZATION = r"^/api/organizations/\{organizationId\}"
APPLICATION = (
    r"^/api/(organizations|applications)/\{organizationId\}/applications/\{applicationId\}"
)
MOUNTS = (
    "The device list, create and tags are under both mounts, `/api/organizations/…` and "
    "`/api/applications/…`, because the console calls both: either reads and writes the same "
    "devices."
)


@dataclass(frozen=True)
class Tag:
    name: str
    description: str
    paths: str  # a regular expression of the OpenAPI paths it holds


TAGS = (
    Tag(
        "Organizations",
        "Tenants, one database each: their details, summary and stored metadata. Creating "
        "and deleting one needs a platform admin.",
        rf"^/api/organizations$|{ORGANIZATION}(/stats|/config)?$",
    ),
    Tag(
        "Users",
        "An organization's users and their passwords; managed by its admins.",
        rf"{ORGANIZATION}/users",
    ),
    Tag(
        "Dashboard",
        "The console's dashboard and usage statistics: counts over every organization the "
        "caller may see, the latest events, the host's CPU, RAM and storage.",
        r"^/api/query/",
    ),
    Tag(
        "Applications",
        "An organization's applications (monitoring CNC machines, oil tanks, …): each has its "
        "devices, event classes, functions, connectors, settings and statistics.",
        rf"{ORGANIZATION}/applications(/\{{applicationId\}})?$|^/api/applications/test$"
        rf"|{APPLICATION}/(config|stats)$",
    ),
    Tag(
        "Devices",
        "An application's machines (`machineId`, or a sensor's `eui`), their tags and "
        f"property keys. {MOUNTS} A machine id belongs to one organization platform-wide.",
        rf"{APPLICATION}/(devices|device-tags|properties)|{ORGANIZATION}/oilmonitor_devices$",
    ),
    Tag(
        "Machine data",
        "A machine's latest events and whether it is on, from the time series (InfluxDB 3), "
        "by machine id; the machines table asks for many at once.",
        r"^/device/(status|\{machineId\}/(status|events))$",
    ),
    Tag(
        "Event classes",
        "The classes of events an application's machines send: their topic, type and "
        "allowed values.",
        rf"{APPLICATION}/event-classes$",
    ),
    Tag(
        "Functions",
        "Formulas over an application's events (algebraic functions, counters), and their "
        "evaluation.",
        rf"{APPLICATION}/functions",
    ),
    Tag(
        "Connectors",
        "Drivers machines are read through (MQTT, Fanuc, OPC UA, …): the organization's "
        "catalogue of templates under `/api/organizations/…`, and each application's own "
        "connectors under `/api/applications/…`, the two places the console reads them.",
        rf"{ORGANIZATION}/connectors|{APPLICATION}/connectors",
    ),
    Tag(
        "Gateways",
        "An organization's edge gateways.",
        rf"{ORGANIZATION}/gateways",
    ),
    Tag(
        "Icons",
        "The icon library: connector and machine-driver logos, uploaded by platform admins.",
        r"^/api/library/",
    ),
    Tag(
        "Authentication",
        "Sign in with an organization's user (a token, and a session cookie for browsers) "
        "and sign out.",
        r"^/api/auth/",
    ),
    Tag(
        "Change history",
        "Every change, who made it and what the document was before and after: an "
        "organization's log (its admins), the shared database's (platform admins), and "
        "restoring what a change deleted.",
        rf"{ORGANIZATION}/changes|^/api/changes$",
    ),
    Tag(
        "Services",
        "Configurations of the platform's services (MQTT broker, InfluxDB, Kafka, …), "
        "secrets masked; platform admins.",
        r"^/api/services",
    ),
    Tag(
        "Machine registry",
        "Which organization holds each machine id, and since when; platform admins move and "
        "release claims.",
        r"^/api/machines",
    ),
    Tag(
        "Legacy devices",
        "Devices of the shared database, each naming its organization, for clients of the "
        "API the console was first written against.",
        r"^/device/(new|\{machineId\})$",
    ),
    Tag(
        "Status",
        "Liveness and readiness, for load balancers and orchestrators.",
        r"^/(status|ready)$",
    ),
    Tag("Metrics", "Prometheus metrics, with `METRICS_TOKEN`.", r"^/metrics$"),
)


# The docs page's own routes, described only for the tests (`describe(app, with_docs=True)`).
DOCS = Tag("Docs", "This description and its page.", r"^/api/(openapi\.json|docs)")


def declared(with_docs=False):
    """The tags as the description's top-level `tags` lists them."""
    listed = (*TAGS, DOCS) if with_docs else TAGS
    return [{"name": tag.name, "description": tag.description} for tag in listed]


def tag_of(path):
    """The one tag whose paths hold this OpenAPI path."""
    return _held_by(path).name


def position(path):
    """Where an operation of this path is listed: by its tag, the mount the console calls
    first (`/api/organizations`), then the path, a word's own before its compounds'
    (`devices` before `device-tags`)."""
    tag = _held_by(path)
    mount = path.startswith("/api/applications/")
    return ((*TAGS, DOCS).index(tag), mount, path.replace("-", "\x7f"))


def _held_by(path):
    held_by = [tag for tag in (*TAGS, DOCS) if re.search(tag.paths, path)]
    if len(held_by) != 1:
        names = [tag.name for tag in held_by]
        raise LookupError(f"{path} is held by {len(names)} tags ({names}), not one")
    return held_by[0]
