"""The icon library on disk: `{root}/{category}/{name}.{ext}` (spec README §8).

Callers pass the library's root and names that passed `identifiers.is_icon_name`
(lower-cased); paths are still built with `safe_join`, so no value can leave the root.
"""

import os
import tempfile
from pathlib import Path

from werkzeug.security import safe_join

FORMATS = ("svg", "png", "jpg", "jpeg")  # the order a name without a format is looked up in


def find(root, category, name, formats=FORMATS):
    """The first existing `{name}.{format}` in that order, as (relative path, format)."""
    for extension in formats:
        relative = f"{category}/{name}.{extension}"
        path = safe_join(str(root), relative)
        if path is not None and os.path.isfile(path):
            return relative, extension
    return None


def save(root, category, name, extension, data):
    """Write atomically, then remove the name's other formats so the new file is served."""
    folder = Path(safe_join(str(root), category))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.{extension}"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    for other in FORMATS:
        if other != extension:
            (folder / f"{name}.{other}").unlink(missing_ok=True)
    return target.name
