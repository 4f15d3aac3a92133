"""marshmallow schemas: every request body is loaded through one of these before it is stored."""
