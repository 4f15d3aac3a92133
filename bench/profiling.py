"""Where a request's time goes: pyinstrument over many direct WSGI calls of one route.

`make profile` (or, once it installed pyinstrument, `.venv/bin/python -m bench.profiling
[path] [--bearer]`) prints, for `GET /status` and a GET of a device by id unless a path is
given, the call tree with syncapi's code and the Flask extensions it hooks in shown, then the
functions that cost the most themselves.
"""

import sys

from pyinstrument import Profiler

from bench import inprocess, timing, world

CALLS = 3000
SHOWN = r".*/(syncapi|flask_limiter|flask_cors|flask)/.*"


def profile(app, path, headers):
    call = timing.Call(app, path, headers=headers)
    timing.calibrate(call)
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for _ in range(CALLS):
        call()
    profiler.stop()
    options = {"show_regex": SHOWN, "filter_threshold": 0.01}
    print(f"===== {path} ({'bearer token' if headers else 'auth off'}), {CALLS} calls")
    print(profiler.output_text(color=False, processor_options=options))


def main(arguments):
    bearer = "--bearer" in arguments
    paths = [argument for argument in arguments if argument.startswith("/")]
    app = world.build(bearer)
    headers = world.bearer(bearer)
    for path in paths or ["/status", inprocess.DEVICE]:
        profile(app, path, headers)


if __name__ == "__main__":
    main(sys.argv[1:])
