"""Check group `audit`: every answered prediction has a complete, durable audit record."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

from repro_oracle import FEATURES, MODEL, api, output_of, predict, random_applicant, record_of

CONCEPT = (
    "Commit the audit record (durably: a database transaction or an fsync'ed append) "
    "before answering; a buffer in memory is lost with the process."
)


def test_record_names_input_output_version_and_run(services, mlflow):
    applicant = random_applicant(random.Random())
    before = time.time()
    with api(services) as client:
        body = predict(client, applicant)
        record = record_of(client, body["prediction_id"])
    after = time.time()
    assert record is not None, "an answered prediction has no audit record"
    for field in ("model_name", "model_version", "run_id"):
        assert record.get(field), (
            f"the audit record has no {field}: a regulator asking 'which model refused this "
            "applicant?' gets no answer. Record the model name, version and run id of the "
            "model that made each prediction"
        )
    version = mlflow.client.get_model_version(record["model_name"], str(record["model_version"]))
    assert record["model_name"] == mlflow.name(MODEL), f"unexpected model {record['model_name']}"
    assert version.run_id == record["run_id"], (
        f"the record says run {record['run_id']}, but version {record['model_version']} was "
        f"trained by run {version.run_id}"
    )
    assert {f: record["input"][f] for f in FEATURES} == {f: applicant[f] for f in FEATURES}, (
        f"the recorded input {record['input']} is not the request {applicant}"
    )
    assert output_of(record["output"]) == output_of(body), (
        f"the recorded output {record['output']} is not what the service answered {body}"
    )
    assert before - 1 <= float(record["timestamp"]) <= after + 1, (
        "the record's timestamp must be the epoch time of the prediction"
    )


def test_no_record_is_lost_when_the_api_is_killed(services):
    rng = random.Random()
    with api(services) as client:
        answers = [predict(client, random_applicant(rng)) for _ in range(20)]
    services.kill("api")
    services.start("api")
    with api(services) as client:
        lost = [b for b in answers if record_of(client, b["prediction_id"]) is None]
    assert not lost, (
        f"{len(lost)} of {len(answers)} answered predictions have no audit record after the "
        "api was killed (SIGKILL, like the OOM killer) and restarted: the log lost records it "
        "had only in memory. " + CONCEPT
    )


def test_concurrent_predictions_are_all_recorded(services):
    rng = random.Random()
    batch = [random_applicant(rng) for _ in range(40)]
    with api(services) as client, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda a: predict(client, a), batch))
        ids = [b["prediction_id"] for b in answers]
        assert len(set(ids)) == len(ids), "two predictions got the same prediction_id"
        records = {i: record_of(client, i) for i in ids}
    missing = [i for i, r in records.items() if r is None]
    assert not missing, f"{len(missing)} of 40 concurrent predictions have no audit record"
    for body in answers:
        got = records[body["prediction_id"]]["output"]
        assert output_of(got) == output_of(body), (
            f"a concurrent prediction's record holds another prediction's output: {got} vs {body}"
        )
