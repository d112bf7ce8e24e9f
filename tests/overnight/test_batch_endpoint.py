"""P062 on the sandbox and in the client: the service window on the sandbox's clock, statuses, errors, billing."""

from __future__ import annotations

import pytest
import requests

from patsnap_pandas.errors import BatchUnknownError, InvalidInputError, ServiceUnavailableError
from tests.helpers import distinct_png

CREATE = "/search/patent/image-search/single-batch-create"
RESULT = "/search/patent/image-search/single-batch-result"


def _post(sandbox, path: str, body: dict, auth: bool = True) -> dict:
    headers = {"Authorization": f"Bearer {sandbox.credentials.api_key}"} if auth else {}
    return requests.post(sandbox.base_url + path, json=body, headers=headers, timeout=30).json()


def _upload(sandbox, png: bytes) -> str:
    answer = requests.post(sandbox.base_url + "/image-search/image-upload",
                           headers={"Authorization": f"Bearer {sandbox.credentials.api_key}"},
                           files={"image": ("q.png", png, "image/png")}, timeout=30).json()
    return answer["data"]["url"]


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_a_job_waits_for_the_window_runs_in_it_and_is_ready_after_eight(sandbox, corpus):
    url = _upload(sandbox, distinct_png(corpus, 0))
    created = _post(sandbox, CREATE, {"urls": [url, url], "patent_type": "D", "model": 2, "limit": 4})
    job_id = created["data"]["job_id"]
    entry = sandbox.ledger[-1]
    assert entry.endpoint == CREATE and entry.result_count == 2 and sandbox.ledger.units(CREATE) == 2

    waiting = _post(sandbox, RESULT, {"task_id": job_id})
    assert waiting["error_code"] == 68300007 and "status WAITING" in waiting["error_msg"]
    assert "results from 2026-12-08 08:00" in waiting["error_msg"]
    sandbox.advance(hours=7, minutes=30)  # 22:30
    assert "status RUNNING" in _post(sandbox, RESULT, {"task_id": job_id})["error_msg"]
    sandbox.advance(hours=9, minutes=30)  # 08:00
    done = _post(sandbox, RESULT, {"task_id": job_id})["data"]
    assert done["status"] == "FINISHED" and done["total"] == 2
    assert [(r["status"], r["search_url"], r["result_count"]) for r in done["search_result"]] == [
        ("SUCCESS", url, 4), ("SUCCESS", url, 4)]
    assert sandbox.ledger.billed(RESULT) == 0 and len(sandbox.ledger) == 2  # the upload and the create


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00", batch_runs_at="03:00")
def test_a_job_run_after_its_upload_expired_reports_the_image_failed(sandbox, corpus):
    url = _upload(sandbox, distinct_png(corpus, 0))  # expires at 00:00
    job_id = _post(sandbox, CREATE, {"urls": [url], "patent_type": "D", "model": 2})["data"]["job_id"]
    sandbox.advance(hours=17)
    result = _post(sandbox, RESULT, {"task_id": job_id})["data"]["search_result"][0]
    assert (result["status"], result["result_count"], result["patent_messages"]) == ("FAILED", 0, [])


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00", batch_runs_at="immediately")
def test_the_threshold_and_the_limit_the_smaller_applies(sandbox, corpus):
    url = _upload(sandbox, distinct_png(corpus, 0))
    body = {"urls": [url], "patent_type": "D", "model": 2, "limit": 50}
    every = _post(sandbox, RESULT, {"task_id": _post(sandbox, CREATE, body)["data"]["job_id"]})
    scores = [hit["score"] for hit in every["data"]["search_result"][0]["patent_messages"]]
    cut = (scores[2] + scores[3]) / 2
    strict = _post(sandbox, RESULT, {"task_id": _post(sandbox, CREATE, {**body, "threshold": cut})["data"]["job_id"]})
    assert [hit["score"] for hit in strict["data"]["search_result"][0]["patent_messages"]] == scores[:3]


@pytest.mark.parametrize("body, name", [
    ({"urls": []}, "urls"),
    ({"urls": ["http://127.0.0.1:1/x.png"] * 11}, "urls"),
    ({"urls": ["https://example.com/x.png"]}, "url"),
    ({"urls": ["URL"], "threshold": 1.5}, "threshold"),
])
def test_bad_create_bodies_are_invalid_parameters_naming_the_parameter(sandbox, body, name):
    answer = _post(sandbox, CREATE, {"patent_type": "D", "model": 2, **body})
    assert answer["error_code"] == 68300004 and f"{name}=" in answer["error_msg"]


def test_unknown_task_ids_and_missing_credentials_are_errors_and_bill_nothing(sandbox, client):
    answer = _post(sandbox, RESULT, {"task_id": "NOT-A-JOB"})
    assert answer["error_code"] == 68300004 and "unknown" in answer["error_msg"]
    assert _post(sandbox, RESULT, {"task_id": "NOT-A-JOB"}, auth=False)["status"] is False
    with pytest.raises(BatchUnknownError, match="NOT-A-JOB"):
        client.batch_result("NOT-A-JOB")
    assert len(sandbox.ledger) == 0 and client.usage.billed_calls == 0


@pytest.mark.patsnap_sandbox(failure_rate=1.0, failure_kinds=(500, "drop"))
def test_a_create_is_never_repeated_by_a_retry(sandbox, corpus, client):
    url = sandbox.base_url + "/files/uploads/x.png"
    for _ in range(2):
        with pytest.raises(ServiceUnavailableError):
            client.batch_create([url], {"model": 2})
    assert sandbox.ledger.billed(CREATE) == 2 and client.usage.retries == 0  # one attempt each


@pytest.mark.patsnap_sandbox(throttle_rate=1.0, retry_after=0)
def test_a_create_answered_429_is_retried_as_the_gateway_refused_it_before_the_service(sandbox, make_client):
    client = make_client(max_retries=2)
    with pytest.raises(Exception, match="429|Quota|too many"):
        client.batch_create([sandbox.base_url + "/files/uploads/x.png"], {"model": 2})
    assert sandbox.ledger.billed(CREATE) == 3 and client.usage.retries == 2


def test_the_client_checks_a_create_before_any_call(sandbox, client):
    with pytest.raises(InvalidInputError, match="1 to 10"):
        client.batch_create(["https://example.com/a.png"] * 11)
    with pytest.raises(InvalidInputError, match="threshold"):
        client.batch_create(["https://example.com/a.png"], threshold=-0.1)
    assert len(sandbox.ledger) == 0
