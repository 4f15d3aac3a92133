"""The one rule for ids that become database or collection names (spec README §2, §10)."""

import re

IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


def is_identifier(value):
    return isinstance(value, str) and IDENTIFIER.fullmatch(value) is not None
