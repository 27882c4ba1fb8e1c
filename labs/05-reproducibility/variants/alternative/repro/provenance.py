"""Provenance: content digests of code and data, the environment, and their verification."""

from __future__ import annotations

import hashlib
import sys
from importlib.metadata import version

from repro import config

COMMIT_TAG = "mlflow.source.git.commit"


def _sha256sum_listing(paths) -> str:
    """The text `sha256sum` prints for the files, one line each, sorted by name."""
    entries = {}
    for path in paths:
        entries[str(path.relative_to(config.ROOT)).replace("\\", "/")] = hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
    return "".join(f"{entries[name]}  {name}\n" for name in sorted(entries))


def digest_of(paths) -> str:
    return hashlib.sha256(_sha256sum_listing(paths).encode("utf-8")).hexdigest()


def source_digest() -> str:
    return digest_of(sorted(config.PACKAGE_DIR.glob("**/*.py")))


def dataset_digest() -> str:
    return digest_of(sorted(p for p in config.DATA_DIR.glob("**/*") if p.is_file()))


def runtime() -> dict[str, str]:
    info = sys.version_info
    out = {"env.python": f"{info.major}.{info.minor}.{info.micro}"}
    out.update({f"env.{name}": version(name) for name in ("scikit-learn", "numpy", "pandas")})
    return out


def check(record: dict, client) -> dict:
    """Verify a prediction's lineage: every link, and the digests recomputed now."""
    if not record.get("model_version") or not record.get("run_id"):
        return {"verified": False, "problems": ["record has no model version / run id"]}
    registered = client.get_model_version(record["model_name"], str(record["model_version"]))
    run = client.get_run(record["run_id"])
    expected = {COMMIT_TAG: source_digest(), "data_digest": dataset_digest(), **runtime()}
    problems = [
        f"{key} was {run.data.tags.get(key)!r} at training, is {value!r} now"
        for key, value in expected.items()
        if run.data.tags.get(key) != value
    ]
    if registered.run_id != record["run_id"]:
        problems.insert(0, "the registered version was made by another run")
    if "seed" not in run.data.params:
        problems.append("no seed recorded")
    return {
        "verified": len(problems) == 0,
        "problems": problems,
        "lineage": {
            "model": f"{record['model_name']}/{record['model_version']}",
            "run_id": record["run_id"],
            "seed": run.data.params.get("seed"),
            **{k: run.data.tags.get(k) for k in expected},
        },
    }
