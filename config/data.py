"""The data served, and how fresh and how long it is kept: the default organization, the
dashboard's cache, the organization sizes, the icon library, the demo tenant, and the change
log's retention."""


def read(settings, env):
    settings.ORGANIZATION_ID = env.str("ORGANIZATION_ID", "autentiodev")
    settings.ANALYTICS_CACHE_SECONDS = env.integer("ANALYTICS_CACHE_SECONDS", 15, minimum=0)
    # Organization sizes, and databases made by other programs, are refreshed this often.
    settings.ORGANIZATION_REFRESH_SECONDS = env.integer("ORGANIZATION_REFRESH_SECONDS", 300, 1)
    settings.ICONS_DIR = env.str("ICONS_DIR", "static/icons")
    settings.SEED_DEMO = env.flag("SEED_DEMO")
    # Change log entries are removed (TTL index) this many days after they are written.
    settings.CHANGELOG_RETENTION_DAYS = env.integer("CHANGELOG_RETENTION_DAYS", 90, 1, 36500)
