"""What a restructuring must not change: the answers of a few hundred requests over every
route, and the API description clients generate code from, both as recorded in
`tests/data/` (`python -m tests.replay` records them again, on purpose only)."""

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
