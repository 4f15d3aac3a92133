"""Raw devices of the oil-monitor product (`oilmonitor_devices`), exposed read-only."""

from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import paging

LISTING = Listing(
    {"name": "name", "machineId": "machineId", "createdAt": "createdAt", "updatedAt": "updatedAt"},
    ("machineId", "name"),
)


def list_oilmonitor_devices(db, list_query=WHOLE_LIST):
    return paging.find_page(db.oilmonitor_devices, {}, LISTING, list_query)
