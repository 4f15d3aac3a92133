"""The tests' InfluxDB 3: syncapi's embedded engine (`syncapi.embedded.influx`: Arrow Flight
in front of DataFusion), recording each ticket it is sent and able to hang a query, with
rows written relative to a moment.

Tests assign `databases` (`{database: {table: pyarrow.Table}}`) directly, tables built by
`table` from rows whose `ago` is seconds before `now_ns`.
"""

import json
import threading

from syncapi.embedded.influx import Engine, influx_table

TAGS = ("machine_id", "cpu", "orgId")
NS_PER_SECOND = 1_000_000_000


def epoch_ns(seconds_ago, now_ns):
    return now_ns - int(seconds_ago * NS_PER_SECOND)


def epoch_ms(seconds_ago, now_ns):
    """What the API answers for a row stored `seconds_ago` before `now_ns`."""
    return epoch_ns(seconds_ago, now_ns) // 1_000_000


def table(rows, now_ns):
    """An Influx table from dicts whose `ago` (seconds before `now_ns`) becomes `time`
    (timestamp[ns]), with tags dictionary-encoded and fields typed from their values."""
    timed = [
        {"time": epoch_ns(row["ago"], now_ns), **{k: v for k, v in row.items() if k != "ago"}}
        for row in rows
    ]
    return influx_table(timed, TAGS)


class InfluxStandIn(Engine):
    """The engine, keeping what each query sent (`tickets`, and `ticket_bytes`: the size of
    each as sent, one gRPC message) and waiting `delay` seconds before answering (until
    `released` is set), to simulate a server that does not answer."""

    def __init__(self, token, port=0):
        super().__init__(token, port)
        self.tickets = []
        self.ticket_bytes = []
        self.delay = 0.0
        self.released = threading.Event()

    def reset(self):
        super().reset()
        self.tickets, self.ticket_bytes, self.delay = [], [], 0.0
        self.released.clear()

    def do_get(self, context, ticket):
        self.tickets.append(json.loads(ticket.ticket))
        self.ticket_bytes.append(len(ticket.ticket))
        if self.delay:
            self.released.wait(self.delay)
        return super().do_get(context, ticket)
