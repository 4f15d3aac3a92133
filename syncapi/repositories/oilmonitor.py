"""Raw devices of the oil-monitor product (`oilmonitor_devices`), exposed read-only."""


def list_oilmonitor_devices(db):
    return list(db.oilmonitor_devices.find())
