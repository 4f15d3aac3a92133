"""The embedded time-series engine: Apache DataFusion (the query engine inside InfluxDB 3)
behind Arrow Flight on a loopback port, in the process that reads it.

It speaks what InfluxDB 3 speaks to `influxdb3-python`, so the repositories run the same
client and the same SQL against it as against a real server: a `do_get` whose ticket is the
JSON `{database, sql_query, query_type, params}`, a bearer token, SQL run by DataFusion with
parameters bound by DataFusion itself (`param_values=`, never pasted into the text), tables
in schema `iox` with InfluxDB's Arrow types (dictionary-encoded string tags, `timestamp[ns]`
times), and unknown databases refused.

Only queries run (SELECT, and what reads like it: WITH, VALUES, EXPLAIN, SHOW): DataFusion
refuses DDL (`CREATE EXTERNAL TABLE` would read any local file the process may read), DML
(`COPY … TO` would write one) and statements (`SET`) before planning them, and the caller
gets a `FlightUnauthorizedError` saying so. The token is compared in constant time.

`make run` reads it when the MongoDB store is the embedded one and no `INFLUXDB_HOST` is set
(`extensions`); the tests serve their rows with it. It needs the package `datafusion`
(requirements-embedded.txt), which the production image does not install.
"""

import hmac
import json
import re
import secrets
import threading

import pyarrow as pa
from datafusion import SessionConfig, SessionContext, SQLOptions
from pyarrow import flight

COMPACT_AFTER = 32  # appends a table takes in small chunks before they are merged into one


def influx_table(rows, tags):
    """An InfluxDB-typed table from dicts with `time` (epoch nanoseconds): `time` as
    `timestamp[ns]`, the columns named in `tags` dictionary-encoded, the others (fields)
    typed from their values; a key a row lacks is null there."""
    columns = {"time": pa.array([row["time"] for row in rows], pa.timestamp("ns"))}
    for name in dict.fromkeys(key for row in rows for key in row):
        if name != "time":
            values = pa.array([row.get(name) for row in rows])
            columns[name] = values.dictionary_encode() if name in tags else values
    return pa.table(columns)


QUERIES_ONLY = SQLOptions().with_allow_ddl(False).with_allow_dml(False)
QUERIES_ONLY = QUERIES_ONLY.with_allow_statements(False)
# DataFusion's words when `QUERIES_ONLY` refuses a statement ("DDL not supported: …")
NOT_A_QUERY = re.compile(r"(DDL|DML|Statement) not supported: \w+")


class CheckToken(flight.ServerMiddlewareFactory):
    """Admits a call presenting the engine's token, compared in constant time (the time a
    refusal takes says nothing about how much of a guess was right)."""

    def __init__(self, token):
        self.expected = f"Bearer {token}".encode()

    def start_call(self, info, headers):
        presented = headers.get("authorization", [])
        sent = presented[0].encode("utf-8", "surrogateescape") if len(presented) == 1 else b""
        if not hmac.compare_digest(sent, self.expected):
            raise flight.FlightUnauthenticatedError("invalid token")


class Engine(flight.FlightServerBase):
    """Serves `databases` (`{database: {table: pyarrow.Table}}`) on 127.0.0.1 to callers
    presenting `token`. Writers replace a database's mapping rather than change it, so a
    query reads one consistent snapshot while rows are appended."""

    def __init__(self, token, port=0):
        """Listens on `port` of 127.0.0.1 (0: any free one)."""
        super().__init__(f"grpc+tcp://127.0.0.1:{port}", middleware={"auth": CheckToken(token)})
        self.token = token
        self.databases = {}
        self._writing = threading.Lock()

    @property
    def host(self):
        return f"http://127.0.0.1:{self.port}"

    def reset(self):
        self.databases = {}

    def create_database(self, name):
        with self._writing:
            self.databases.setdefault(name, {})

    def append(self, database, name, table):
        """Add the rows of `table` to `database.name` (both made when missing); columns
        either side lacks are null on the other's rows."""
        with self._writing:
            tables = dict(self.databases.get(database, {}))
            if name in tables:
                table = pa.concat_tables([tables[name], table], promote_options="default")
                if table.column(0).num_chunks > COMPACT_AFTER:
                    table = table.combine_chunks()
            tables[name] = table
            self.databases[database] = tables

    def do_get(self, context, ticket):
        request = json.loads(ticket.ticket)
        if request.get("query_type") != "sql":
            raise flight.FlightServerError(f"unsupported query type {request.get('query_type')}")
        tables = self.databases.get(request["database"])
        if tables is None:
            raise flight.FlightServerError(f"database not found: {request['database']}")
        frame = _query(_session(tables), request["sql_query"], request.get("params"))
        return flight.RecordBatchStream(frame.to_arrow_table())


def _query(session, sql, params):
    """The DataFrame of `sql`, a query: anything else is refused before it is planned."""
    try:
        return session.sql(sql, options=QUERIES_ONLY, param_values=params)
    except Exception as error:  # DataFusion raises one type for every failure
        refused = NOT_A_QUERY.search(str(error))
        if refused is None:
            raise
        raise flight.FlightUnauthorizedError(
            f"only queries (SELECT) run on the embedded engine: {refused.group()}"
        ) from None


def _session(tables):
    config = SessionConfig().with_information_schema(True)
    context = SessionContext(config.with_default_catalog_and_schema("public", "iox"))
    for name, data in tables.items():
        batches = data.to_batches() or [pa.RecordBatch.from_pylist([], schema=data.schema)]
        context.register_record_batches(name, [batches])
    return context


class EmbeddedInflux:
    """This process's engine, holding `databases` (empty), and the client that reads it
    (made by `connect(host, token)`); `close` stops what was registered with `on_close`
    (the demo's feed), then the client and the engine."""

    def __init__(self, databases, connect):
        self.engine = Engine(token=secrets.token_urlsafe(32))  # a new one in every process
        for name in databases:
            self.engine.create_database(name)
        self.client = connect(self.engine.host, self.engine.token)
        self._on_close = []

    def on_close(self, stop):
        self._on_close.append(stop)

    def close(self):
        for stop in self._on_close:
            stop()
        self.client.close()
        self.engine.shutdown()
