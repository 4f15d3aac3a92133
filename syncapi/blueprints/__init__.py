"""One blueprint per mount point; `create_app` gives each its URL prefix."""
