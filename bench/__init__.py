"""`make bench`: syncapi's own cost beside a bare Flask app making the same calls
(docs/benchmark.md). Run as `.venv/bin/python -m bench`; `.venv/bin/python -m
bench.profiling` (`make profile`) shows where a request's time goes."""
