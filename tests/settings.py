"""The settings of the apps the tests build."""

from config import Config


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
        for name, value in overrides.items():
            setattr(self, name, value)
