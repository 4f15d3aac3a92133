"""What a restructuring must not change: the answers of a few hundred requests over every
route, and the API description clients generate code from, both as recorded in
`tests/data/` (`.venv/bin/python -m tests.replay` records them again, on purpose only)."""

import json

from tests.replay import DESCRIPTION, description, record, recorded


def test_every_answer_of_the_replay_is_the_recorded_one():
    answers, expected = record(), recorded()
    assert len(answers) == len(expected)
    for answer, wanted in zip(answers, expected, strict=True):
        assert answer == wanted, answer["call"]


def test_the_api_description_is_the_recorded_one():
    """Operations, their ids, tags, parameters, schemas and statuses, word for word."""
    assert description() == json.loads(DESCRIPTION.read_text())


def test_every_status_answered_by_the_replay_is_in_the_description():
    """The dynamic half of `test_operations.py`: errors raised below the views too (the docs
    page's routes, which the recorded description does not list, included)."""
    from syncapi.openapi import describe
    from syncapi.openapi.parameters import openapi_path
    from tests.helpers import unserved_app

    app = unserved_app()
    document, urls, undescribed = describe(app, with_docs=True), app.url_map.bind(""), set()
    for answer in recorded():
        _, method, path = answer["call"].split(" ", 2)
        try:
            rule, _ = urls.match(path.partition("?")[0], method, return_rule=True)
        except Exception:  # noqa: BLE001  no route (404, 405): Flask's own answers
            continue
        responses = document["paths"][openapi_path(rule)].get(method.lower(), {}).get("responses")
        if responses is not None and str(answer["status"]) not in responses:
            undescribed.add((method, openapi_path(rule), answer["status"]))
    assert undescribed == set()
