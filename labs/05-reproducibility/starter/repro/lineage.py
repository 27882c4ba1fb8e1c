"""What a model and a prediction were made from, and checking it again later."""

from __future__ import annotations

from repro import model


def verify(record: dict, client) -> dict:
    """Walk prediction -> model version -> run and check that the run documents itself."""
    name, version, run_id = model.champion()
    run = client.get_run(run_id)
    tags, params = run.data.tags, run.data.params
    chain = {
        "prediction_id": record.get("prediction_id"),
        "model_name": name,
        "model_version": version,
        "run_id": run_id,
        "code_version": tags.get("code_version"),
        "data_version": params.get("data_version"),
        "seed": params.get("seed"),
    }
    problems = [f"the run records no {k}" for k, v in chain.items() if v is None]
    return {"verified": not problems, "problems": problems, "lineage": chain}
