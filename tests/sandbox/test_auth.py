"""Authentication: client-credentials tokens, sk- API keys, and every auth error code."""

from __future__ import annotations

import time

import pytest
import requests

from tests.helpers import Api, error_of

LEGAL = "/basic-patent-data/simple-legal-status"


def token_response(sandbox, client_id=None, client_secret=None, data=None) -> requests.Response:
    creds = sandbox.credentials
    return requests.post(
        sandbox.base_url + "/oauth/token",
        auth=(client_id or creds.client_id, client_secret or creds.client_secret),
        data={"grant_type": "client_credentials"} if data is None else data,
        timeout=10,
    )


def get_token(sandbox) -> str:
    response = token_response(sandbox)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def call(sandbox, headers=None, **params) -> requests.Response:
    params.setdefault("patent_id", sandbox.corpus.designs[0].patent_id)
    return requests.get(sandbox.base_url + LEGAL, params=params, headers=headers or {}, timeout=10)


def test_token_response_has_the_documented_fields(sandbox):
    before = int(time.time() * 1000)
    response = token_response(sandbox)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"token", "token_type", "expires_in", "status", "issued_at"}
    assert body["token_type"] == "BearerToken"
    assert body["status"] == "approved"
    assert body["expires_in"] == 1799
    assert isinstance(body["issued_at"], str) and body["issued_at"].isdigit()
    assert before - 1000 <= int(body["issued_at"]) <= int(time.time() * 1000) + 1000
    assert len(body["token"]) >= 20 and body["token"] != sandbox.credentials.client_secret


def test_tokens_differ_per_request(sandbox):
    assert get_token(sandbox) != get_token(sandbox)


@pytest.mark.parametrize(
    "client_id, client_secret",
    [("wrong-id", None), (None, "wrong-secret"), ("wrong-id", "wrong-secret")],
)
def test_token_with_wrong_credentials_is_67200003(sandbox, client_id, client_secret):
    response = token_response(sandbox, client_id, client_secret)
    assert response.status_code == 401
    assert error_of(response)[0] == 67200003


def test_token_without_basic_auth_is_67200003(sandbox):
    response = requests.post(sandbox.base_url + "/oauth/token", data={"grant_type": "client_credentials"}, timeout=10)
    assert response.status_code == 401
    assert error_of(response)[0] == 67200003


@pytest.mark.parametrize("data", [{}, {"grant_type": "password"}])
def test_token_needs_grant_type_client_credentials(sandbox, data):
    response = token_response(sandbox, data=data)
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == 68300004 and "grant_type" in message


def test_token_request_is_not_billed(sandbox):
    before = sandbox.ledger.billed()
    get_token(sandbox)
    assert sandbox.ledger.billed() == before


def test_token_mode_call_succeeds(sandbox):
    token = get_token(sandbox)
    response = call(sandbox, {"Authorization": f"Bearer {token}"}, apikey=sandbox.credentials.client_id)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] is True and body["error_code"] == 0


def test_token_mode_without_apikey_is_67200008(sandbox):
    token = get_token(sandbox)
    response = call(sandbox, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 200  # business errors come with HTTP 200
    assert error_of(response)[0] == 67200008


def test_apikey_not_matching_the_token_is_67200009(sandbox):
    token = get_token(sandbox)
    response = call(sandbox, {"Authorization": f"Bearer {token}"}, apikey="someone-elses-client-id")
    assert error_of(response)[0] == 67200009


def test_unknown_token_is_67200003(sandbox):
    response = call(sandbox, {"Authorization": "Bearer notatokenweissued000000000"}, apikey=sandbox.credentials.client_id)
    assert response.status_code == 200
    assert error_of(response)[0] == 67200003


def test_apikey_without_token_is_67200003(sandbox):
    assert error_of(call(sandbox, apikey=sandbox.credentials.client_id))[0] == 67200003


def test_no_credentials_at_all_is_67200008(sandbox):
    assert error_of(call(sandbox))[0] == 67200008


def test_api_key_as_bearer_needs_no_token(sandbox):
    response = call(sandbox, {"Authorization": f"Bearer {sandbox.credentials.api_key}"})
    assert response.json()["status"] is True


def test_api_key_as_apikey_query_parameter(sandbox):
    response = call(sandbox, apikey=sandbox.credentials.api_key)
    assert response.json()["status"] is True


def test_api_key_with_matching_apikey_parameter(sandbox):
    key = sandbox.credentials.api_key
    assert call(sandbox, {"Authorization": f"Bearer {key}"}, apikey=key).json()["status"] is True


def test_api_key_with_other_apikey_parameter_is_67200009(sandbox):
    headers = {"Authorization": f"Bearer {sandbox.credentials.api_key}"}
    assert error_of(call(sandbox, headers, apikey="sk-other"))[0] == 67200009


@pytest.mark.parametrize("where", ["bearer", "query"])
def test_wrong_api_key_is_67200003(sandbox, where):
    wrong = "sk-" + "0" * 48
    response = call(sandbox, {"Authorization": f"Bearer {wrong}"}) if where == "bearer" else call(sandbox, apikey=wrong)
    assert error_of(response)[0] == 67200003


def test_token_expires_after_its_lifetime(make_sandbox, clock):
    sandbox = make_sandbox(token_lifetime=1)
    body = token_response(sandbox).json()
    assert body["expires_in"] == 1
    headers = {"Authorization": f"Bearer {body['token']}"}
    client_id = sandbox.credentials.client_id
    assert call(sandbox, headers, apikey=client_id).json()["status"] is True
    clock.shift(1.2)
    assert error_of(call(sandbox, headers, apikey=client_id))[0] == 67200003
    # a fresh token works again
    fresh = {"Authorization": f"Bearer {get_token(sandbox)}"}
    assert call(sandbox, fresh, apikey=client_id).json()["status"] is True


def test_token_of_one_sandbox_is_refused_by_another(sandbox, make_sandbox):
    other = make_sandbox()
    token = get_token(sandbox)
    response = call(other, {"Authorization": f"Bearer {token}"}, apikey=other.credentials.client_id)
    assert error_of(response)[0] == 67200003


def test_credentials_are_random_per_instance_unless_given(sandbox, make_sandbox):
    other = make_sandbox()
    assert other.credentials.client_id != sandbox.credentials.client_id
    assert other.credentials.client_secret != sandbox.credentials.client_secret
    assert other.credentials.api_key != sandbox.credentials.api_key
    assert other.credentials.api_key.startswith("sk-")
    fixed = make_sandbox(client_id="my-id", client_secret="my-secret", api_key="sk-mine")
    assert (fixed.credentials.client_id, fixed.credentials.client_secret, fixed.credentials.api_key) == (
        "my-id",
        "my-secret",
        "sk-mine",
    )
    assert get_token(fixed)
    assert Api(fixed).json(LEGAL, patent_id="x")["status"] is True


def test_credentials_repr_hides_secrets(sandbox):
    text = repr(sandbox.credentials) + repr(sandbox)
    assert sandbox.credentials.client_secret not in text
    assert sandbox.credentials.api_key not in text
