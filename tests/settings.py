"""The settings of the apps the tests build."""

import dataclasses

from config import Config
from syncapi.core import passwords

# The production hash's shape at the least cost argon2 allows (one pass over 8 KiB): hashing
# and verifying take microseconds instead of hundreds of milliseconds. conftest installs it
# for the whole run; `test_auth` keeps one test at production strength.
CHEAP_HASHING = dataclasses.replace(passwords.PRODUCTION, time_cost=1, memory_cost=8, parallelism=1)


class TestingConfig(Config):
    """Embedded store, no environment, no cache: each test app gets its own empty mongomock
    client and sees every write at once."""

    TESTING = True
    __test__ = False  # not a pytest test class despite its name

    def __init__(self, **overrides):
        super().__init__(environ={})
        self.ANALYTICS_CACHE_SECONDS = 0
        self.REVOCATION_REFRESH_SECONDS = 0
        self.RATELIMIT_ENABLED = True
        self.REQUEST_LOG = False  # the request log's own tests turn it on (test_request_log.py)
        for name, value in overrides.items():
            setattr(self, name, value)
