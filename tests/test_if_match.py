"""`If-Match` beyond one strong ETag (docs/api.md "Conditional requests"): a weak ETag names its
strong form's version (nginx weakens what it compresses), a list writes when any ETag in it
is current, an ETag names its document whatever the type of its `_id`, and a write that
cannot check `If-Match` refuses it."""

import pytest

from tests.helpers import APP, ORG, unchanged

APPS = "/api/applications/acme/applications/monitoreo-cnc"


@pytest.mark.parametrize(
    "header",
    ["unquoted", '"a-1" "b-2"', '*, "a-1"', '"a-1",', 'W/ "a-1"', ", ".join(['"a-1"'] * 17)],
)
def test_an_if_match_that_is_not_star_or_a_list_of_at_most_16_etags_is_400(
    client, mongo, cnc, header
):
    client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"})
    with unchanged(mongo):
        response = client.put(
            f"{ORG}/gateways/G1", json={"name": "X"}, headers={"If-Match": header}
        )
    assert response.status_code == 400 and response.json["field"] == "If-Match"


def test_a_weak_etag_names_the_same_version_as_its_strong_form(client, mongo, cnc):
    """nginx weakens the ETag of an answer it compresses: a browser sends back `W/"…"`."""
    path = f"{ORG}/gateways/G1"
    tag = client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"}).headers["ETag"]
    changed = client.put(path, json={"name": "H"}, headers={"If-Match": f"W/{tag}"})
    assert changed.status_code == 200 and cnc.gateways.find_one()["name"] == "H"
    with unchanged(mongo):
        stale = client.put(path, json={"name": "X"}, headers={"If-Match": f"W/{tag}"})
    assert stale.status_code == 412
    current = f"W/{changed.headers['ETag']}"
    assert client.delete(path, headers={"If-Match": current}).status_code == 200
    assert cnc.gateways.count_documents({}) == 0


def test_a_weak_content_etag_names_the_same_version_too(client, mongo, cnc):
    stored = cnc.gateways.insert_one({"gatewayId": "OLD", "name": "Old"})
    path = f"{ORG}/gateways/OLD"
    tag = client.get(path).headers["ETag"]
    changed = client.put(path, json={"name": "New"}, headers={"If-Match": f"W/{tag}"})
    assert changed.status_code == 200
    assert cnc.gateways.find_one({"_id": stored.inserted_id})["revision"] == 1


def test_if_match_with_a_list_writes_when_any_etag_is_current(client, mongo, cnc):
    """RFC 9110 §13.1.1: the condition holds when the current ETag is any of those listed."""
    path = f"{ORG}/gateways/G1"
    first = client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"}).headers["ETag"]
    second = client.put(path, json={"name": "H"}).headers["ETag"]
    other = client.post(f"{ORG}/gateways", json={"gatewayId": "G2", "name": "G"}).headers["ETag"]
    others = ", ".join([first, '"nonsense"', '"c00"', other] + [f'"x-{n}"' for n in range(11)])
    with unchanged(mongo):
        refused = client.put(path, json={"name": "X"}, headers={"If-Match": others})
    assert refused.status_code == 412
    listed = f"{others}, W/{second}"  # 16 ETags, the current one last
    changed = client.put(path, json={"name": "Y"}, headers={"If-Match": listed})
    assert changed.status_code == 200
    assert cnc.gateways.find_one({"gatewayId": "G1"})["name"] == "Y"
    assert cnc.gateways.find_one({"gatewayId": "G2"})["revision"] == 1


@pytest.mark.parametrize("tag", ['"x-\u00b2"', f'"x-{"9" * 5000}"', '"-1"'])
def test_an_etag_with_no_revision_of_ours_is_412_not_an_error(client, mongo, cnc, tag):
    client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"})
    with unchanged(mongo):
        response = client.put(f"{ORG}/gateways/G1", json={"name": "X"}, headers={"If-Match": tag})
    assert response.status_code == 412


@pytest.mark.parametrize(
    "stored_id", ["6650a1b2c3d4e5f601234567", 7, -7, "c0ffee", "a-b"], ids=repr
)
def test_an_etag_names_its_document_whatever_the_type_of_its_id(client, mongo, cnc, stored_id):
    """An ETag writes the `_id` as text: a string of 24 hex digits, an integer or a string
    that starts with c (as content ETags do) names its document as an ObjectId's text does."""
    cnc.gateways.insert_one({"_id": stored_id, "gatewayId": "G1", "name": "G", "revision": 1})
    path = f"{ORG}/gateways/G1"
    tag = client.get(path).headers["ETag"]
    assert tag == f'"{stored_id}-1"'
    changed = client.put(path, json={"name": "H"}, headers={"If-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] == f'"{stored_id}-2"'
    with unchanged(mongo):
        assert client.put(path, json={"name": "X"}, headers={"If-Match": tag}).status_code == 412
    fresh = changed.headers["ETag"]
    assert client.delete(path, headers={"If-Match": f"W/{fresh}"}).status_code == 200
    assert cnc.gateways.count_documents({}) == 0


def test_a_password_change_takes_if_match_checked_by_its_write(client, mongo, cnc):
    user = {"name": "Ana", "email": "ana@acme.io", "password": "first passphrase"}
    created = client.post(f"{ORG}/users", json=user)
    path, stale = f"{ORG}/users/{created.json['id']}", created.headers["ETag"]
    client.put(path, json={"name": "Ana B"})
    with unchanged(mongo):
        refused = client.put(
            f"{path}/password", json={"password": "second passphrase"}, headers={"If-Match": stale}
        )
    assert refused.status_code == 412
    current = client.get(path).headers["ETag"]
    changed = client.put(
        f"{path}/password", json={"password": "third passphrase"}, headers={"If-Match": current}
    )
    assert changed.status_code == 200
    assert cnc.users.find_one()["revision"] == 3
    assert client.get(path).headers["ETag"] != current


# (method, path, body) of the writes that cannot check If-Match in their own write
UNCHECKED = {
    "organization delete": ("DELETE", f"{ORG}?confirm=acme", None),
    "application delete": ("DELETE", APP, None),
    "event classes": (
        "PUT",
        f"{APPS}/event-classes",
        [{"class": "A", "topic": "t", "type": "INT"}],
    ),
}


@pytest.mark.parametrize("write", UNCHECKED)
@pytest.mark.parametrize("header", ["*", '"c00"'])
def test_a_write_that_cannot_check_if_match_refuses_it(client, mongo, cnc, write, header):
    method, path, body = UNCHECKED[write]
    with unchanged(mongo):
        response = client.open(path, method=method, json=body, headers={"If-Match": header})
    assert response.status_code == 400 and response.json["field"] == "If-Match"
    assert "not supported" in response.json["error"]
    assert client.open(path, method=method, json=body).status_code == 200


def test_a_machine_claim_refuses_if_match(client, mongo, cnc):
    """A claim carries a content ETag only: its writes cannot check one in their filter."""
    with unchanged(mongo):
        assigned = client.put(
            "/api/machines/M1", json={"organizationId": "acme"}, headers={"If-Match": "*"}
        )
    assert (assigned.status_code, assigned.json["field"]) == (400, "If-Match")
    assert client.put("/api/machines/M1", json={"organizationId": "acme"}).status_code == 201
    with unchanged(mongo):
        released = client.delete("/api/machines/M1", headers={"If-Match": "*"})
    assert (released.status_code, released.json["field"]) == (400, "If-Match")
    assert client.delete("/api/machines/M1").status_code == 200
