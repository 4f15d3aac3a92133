"""marshmallow's errors said as a console user reads them: the first failing field by its
dotted path (`events[0].class`) and a sentence (`name must be a string`), as the `Invalid`
failure every bad body answers (`errors.py` maps it to 400)."""

from syncapi.core import failures

# marshmallow's built-in messages, said as the phrase that follows the field's name.
FIELD_PHRASES = {
    "Missing data for required field.": "is required",
    "Field may not be null.": "may not be null",
    "Not a valid string.": "must be a string",
    "Not a valid list.": "must be an array",
    "Not a valid mapping type.": "must be an object",
    "Not a valid integer.": "must be an integer",
    "Not a valid number.": "must be a number",
    "Not a valid boolean.": "must be a boolean",
    "Unknown field.": "is not an allowed field",
    "Invalid input type.": "must be an object",
}


def field_path(path):
    """`["events", 0, "class"]` → `events[0].class`; `[2, "topic"]` → `[2].topic`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def first_error(messages, path=()):
    """The first (path, message) of marshmallow's nested error dict."""
    if isinstance(messages, dict):
        key = next(iter(messages))
        step = key if key != "_schema" else None
        return first_error(messages[key], path if step is None else (*path, step))
    if isinstance(messages, list) and messages:
        return first_error(messages[0], path)
    return path, str(messages)


def validation_error(error):
    """The `Invalid` (400) naming the first failing field, with a sentence a console user
    can read."""
    path, message = first_error(error.messages)
    if path and isinstance(path[-1], int):  # a problem with the item itself, e.g. "[2]"
        name = field_path(path)
    else:
        name = (str(path[-1]) or '""') if path else "body"
    phrase = FIELD_PHRASES.get(message, message)
    text = f"{name} {phrase}" if phrase[:1].islower() else f"{name}: {phrase}"
    return failures.Invalid(text, field=field_path(path) if path else None)
