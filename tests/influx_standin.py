"""An InfluxDB 3 stand-in for the tests: Arrow Flight in front of DataFusion, in process.

It speaks what the real server speaks to `influxdb3-python`: a `do_get` whose ticket is the
JSON `{database, sql_query, query_type, params}`, a bearer token, SQL run by DataFusion (the
engine inside InfluxDB 3) with parameters bound by DataFusion itself (`param_values=`, never
pasted into the text), tables in schema `iox` with InfluxDB's Arrow types (dictionary-encoded
string tags, `timestamp[ns]` times), and unknown databases refused. A test double only.
"""

import json
import threading

import pyarrow as pa
from datafusion import SessionConfig, SessionContext
from pyarrow import flight

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
    times = [epoch_ns(row["ago"], now_ns) for row in rows]
    columns = {"time": pa.array(times, pa.timestamp("ns"))}
    for name in dict.fromkeys(key for row in rows for key in row):
        if name != "ago":
            values = pa.array([row.get(name) for row in rows])
            columns[name] = values.dictionary_encode() if name in TAGS else values
    return pa.table(columns)


class CheckToken(flight.ServerMiddlewareFactory):
    def __init__(self, token):
        self.token = token

    def start_call(self, info, headers):
        if headers.get("authorization") != [f"Bearer {self.token}"]:
            raise flight.FlightUnauthenticatedError("invalid token")


class InfluxStandIn(flight.FlightServerBase):
    """Serves `databases` (`{database: {table: pyarrow.Table}}`), which tests replace."""

    def __init__(self, token, port=0):
        """Listens on `port` of 127.0.0.1 (0: any free one)."""
        super().__init__(f"grpc+tcp://127.0.0.1:{port}", middleware={"auth": CheckToken(token)})
        self.databases = {}
        self.tickets = []
        self.ticket_bytes = []  # the size of each ticket as sent: one gRPC message
        self.delay = 0.0  # seconds each query hangs, to simulate a server that does not answer
        self.released = threading.Event()

    @property
    def host(self):
        return f"http://127.0.0.1:{self.port}"

    def reset(self):
        self.databases, self.tickets, self.ticket_bytes, self.delay = {}, [], [], 0.0
        self.released.clear()

    def do_get(self, context, ticket):
        request = json.loads(ticket.ticket)
        self.tickets.append(request)
        self.ticket_bytes.append(len(ticket.ticket))
        if self.delay:
            self.released.wait(self.delay)
        if request.get("query_type") != "sql":
            raise flight.FlightServerError(f"unsupported query type {request.get('query_type')}")
        tables = self.databases.get(request["database"])
        if tables is None:
            raise flight.FlightServerError(f"database not found: {request['database']}")
        frame = _session(tables).sql(request["sql_query"], param_values=request.get("params"))
        return flight.RecordBatchStream(frame.to_arrow_table())


def _session(tables):
    config = SessionConfig().with_information_schema(True)
    context = SessionContext(config.with_default_catalog_and_schema("public", "iox"))
    for name, data in tables.items():
        batches = data.to_batches() or [pa.RecordBatch.from_pylist([], schema=data.schema)]
        context.register_record_batches(name, [batches])
    return context
