"""`make bench`: syncapi's own cost beside a bare Flask app making the same calls (README,
"Benchmark"). Run as `python -m bench`; `python -m bench.profiling` shows where a request's
time goes."""
