"""Lists at fleet scale (spec §13.3): what a caller asked of a list, and the page answered.

Without `limit`, `offset`, `sort`, `q` or `tag` a list answers its whole array, as the
contract's lists always did; with any of them, a page of at most `limit` items (50 unless
given), `total` counting every item that matched. Order is total: the requested field, then
`_id`, so that pages are disjoint and complete while nobody writes.
"""

from dataclasses import dataclass, field

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 10**9  # far beyond any list; keeps `skip` a small integer
MAX_SEARCH = 100
MAX_BATCH = 500  # machines per batch status: one InfluxDB query (timeseries_sql.CHUNK_SIZE)


@dataclass(frozen=True)
class Listing:
    """How one resource's list is paged: the fields it sorts by (wire name → stored key)
    and the stored fields `q` searches."""

    sort_fields: dict
    search_fields: tuple


@dataclass(frozen=True)
class ListQuery:
    limit: int | None = None
    offset: int | None = None
    sort: str | None = None  # a wire name of `Listing.sort_fields`, `-` first for descending
    q: str | None = None
    tags: tuple = field(default=())

    @property
    def paged(self):
        """Whether the caller asked for a page rather than the contract's whole array."""
        return any(value is not None for value in (self.limit, self.offset, self.sort, self.q)) or (
            bool(self.tags)
        )

    @property
    def size(self):
        return self.limit or DEFAULT_LIMIT

    @property
    def start(self):
        return self.offset or 0

    @property
    def descending(self):
        return bool(self.sort) and self.sort.startswith("-")

    @property
    def sort_field(self):
        return self.sort.lstrip("-") if self.sort else None


WHOLE_LIST = ListQuery()


@dataclass(frozen=True)
class Page:
    """The items answered; `total` is None for the whole array (nothing was counted)."""

    items: list
    total: int | None = None
