"""What runs with no server: the embedded store and time-series engine, the demo's series."""
