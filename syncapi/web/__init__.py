"""Flask-bound plumbing around every request."""
