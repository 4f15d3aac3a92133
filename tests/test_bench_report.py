"""`make bench`'s table (bench/report.py): each target beside the figures it is checked on."""

import pytest

from bench import report

PAIR = {"rps": 930.0, "p50": 0.004, "p99": 0.006, "cpu": 0.00106}
PAIR |= {"bare_rps": 1000.0, "bare_p50": 0.004, "bare_p99": 0.006, "bare_cpu": 0.00099}


@pytest.mark.parametrize(
    ("rps_ratio", "cpu_ratio", "met"),
    [(0.93, 0.93, ("ok", "ok")), (0.82, 0.93, ("NO", "ok")), (0.93, 0.85, ("ok", "NO"))],
)
def test_the_http_target_holds_by_what_a_client_sees_and_by_worker_cpu(rps_ratio, cpu_ratio, met):
    http = {key: {**PAIR, "rps_ratio": 0.99, "ratio": 0.99} for key, _, _ in report.OVER_HTTP}
    http["by_id_off"] |= {"rps_ratio": rps_ratio, "ratio": cpu_ratio}
    requests, cpu = report.http_rows(http)[:2]  # GET device by id, auth off: its two lines
    assert requests[0] == "GET device by machineId, auth off"
    assert requests[3:] == (f"{rps_ratio:.1%}", ">= 90%", met[0])
    assert cpu[3:] == (f"{cpu_ratio:.1%}", ">= 90%", met[1])
