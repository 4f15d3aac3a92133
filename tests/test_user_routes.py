"""`/api/organizations/{org}/users` (`blueprints/user_routes.py`, spec/organizations.md):
an organization's users. Passwords and who may manage users: test_auth."""

import pytest
from bson import ObjectId

from tests.helpers import OPERATOR, ORG, unchanged

# Creating a user


def test_create_user_stores_and_answers_the_public_shape(client, acme):
    response = client.post(
        f"{ORG}/users", json={"name": " Ana ", "email": " ana@example.com", "role": "admin"}
    )

    assert response.status_code == 201
    stored = acme.users.find_one({"email": "ana@example.com"})
    assert response.json == {
        "id": str(stored["_id"]),
        "name": "Ana",
        "email": "ana@example.com",
        "role": "admin",
        "status": "active",
        "createdAt": stored["createdAt"],
        "revision": 1,
    }
    assert stored["organizationId"] == "acme"


USER_BAD_INPUTS = [
    ({"email": "a@x"}, "name"),
    ({"name": "", "email": "a@x"}, "name"),
    ({"name": "   ", "email": "a@x"}, "name"),
    ({"name": 7, "email": "a@x"}, "name"),
    ({"name": OPERATOR, "email": "a@x"}, "name"),
    ({"name": "Ana"}, "email"),
    ({"name": "Ana", "email": "ana.example.com"}, "email"),
    ({"name": "Ana", "email": OPERATOR}, "email"),
    ({"name": "Ana", "email": "a@x", "role": "root"}, "role"),
    ({"name": "Ana", "email": "a@x", "password": "x"}, "password"),
]


@pytest.mark.parametrize(("payload", "field"), USER_BAD_INPUTS)
def test_create_user_refuses_bad_input(client, acme, payload, field):
    with unchanged(acme):
        response = client.post(f"{ORG}/users", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert field in response.json["error"]


def test_duplicate_user_email_is_409(client, acme):
    client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@example.com"})
    response = client.post(f"{ORG}/users", json={"name": "Other", "email": "ana@example.com"})
    assert response.status_code == 409
    assert response.json["field"] == "email"
    assert acme.users.count_documents({}) == 1


# Listing users, with what older writers left


def test_list_users_fills_defaults_and_prefers_a_stored_id(client, acme):
    acme.users.insert_one({"id": "u-1", "name": "Old", "email": "old@example.com"})

    response = client.get(f"{ORG}/users")

    assert response.json == [
        {
            "id": "u-1",
            "name": "Old",
            "email": "old@example.com",
            "role": "user",
            "status": "active",
            "createdAt": None,
            "revision": None,  # written before syncapi kept revisions
        }
    ]


# Changing a user


def test_update_user_changes_only_sent_keys(client, acme):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@example.com"}).json[
        "id"
    ]

    response = client.put(f"{ORG}/users/{user_id}", json={"role": "viewer", "status": "inactive"})

    assert response.status_code == 200
    assert response.json["role"] == "viewer"
    stored = acme.users.find_one({"_id": ObjectId(user_id)})
    assert (stored["name"], stored["role"], stored["status"]) == ("Ana", "viewer", "inactive")


def test_update_user_onto_a_taken_email_is_409(client, acme):
    client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@example.com"})
    bo = client.post(f"{ORG}/users", json={"name": "Bo", "email": "bo@example.com"}).json["id"]
    response = client.put(f"{ORG}/users/{bo}", json={"email": "ana@example.com"})
    assert response.status_code == 409
    assert acme.users.find_one({"_id": ObjectId(bo)})["email"] == "bo@example.com"


@pytest.mark.parametrize(
    ("payload", "field"), [({"role": "root"}, "role"), ({"status": "gone"}, "status")]
)
def test_update_user_refuses_bad_input(client, acme, payload, field):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@x"}).json["id"]
    with unchanged(acme):
        response = client.put(f"{ORG}/users/{user_id}", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


USER_UPDATE_BAD_INPUTS = [
    ({"name": ""}, "name"),
    ({"name": 5}, "name"),
    ({"email": "no-at"}, "email"),
    ({"email": OPERATOR}, "email"),
    ({"role": "root"}, "role"),
    ({"status": "gone"}, "status"),
    ({"password": "x"}, "password"),
    ({"organizationId": "other"}, "organizationId"),
]


@pytest.mark.parametrize(("payload", "field"), USER_UPDATE_BAD_INPUTS)
def test_update_user_refuses_every_bad_input(client, acme, payload, field):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@x"}).json["id"]
    with unchanged(acme):
        response = client.put(f"{ORG}/users/{user_id}", json=payload)
    assert (response.status_code, response.json["field"]) == (400, field)


# Deleting a user, and users that do not exist


def test_delete_user(client, acme):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@x"}).json["id"]
    response = client.delete(f"{ORG}/users/{user_id}")
    assert response.status_code == 200
    assert response.json == {"message": "User deleted successfully"}
    assert acme.users.count_documents({}) == 0


@pytest.mark.parametrize("method", ["put", "delete"])
def test_unknown_user_is_404(client, acme, method):
    response = getattr(client, method)(f"{ORG}/users/{ObjectId()}", json={"name": "X"})
    assert response.status_code == 404
    assert response.json == {"error": "User not found"}
