"""What a model and a prediction were made from, and checking it again later.

Content addresses, not labels: the code version is a digest of the package's source
files and the data digest one of every data file, computed like `sha256sum` would
list them (DVC addresses data by the hash of its contents the same way).  A version
label or a date says what someone *meant* to use; a digest says what was used.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path

from repro import config

CODE_TAG = "mlflow.source.git.commit"
"""MLflow's own field for the code version (there is no git here: it holds the digest)."""
DATA_TAG = "data_digest"
PACKAGES = ("scikit-learn", "numpy", "pandas")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digest(files: list[Path]) -> str:
    """sha256 of the `sha256sum` listing of the files, sorted by path relative to ROOT."""
    listing = sorted(
        (path.relative_to(config.ROOT).as_posix(), file_sha256(path)) for path in files
    )
    text = "".join(f"{sha}  {name}\n" for name, sha in listing)
    return hashlib.sha256(text.encode()).hexdigest()


def code_version() -> str:
    return tree_digest(list(config.PACKAGE_DIR.rglob("*.py")))


def data_digest() -> str:
    return tree_digest([p for p in config.DATA_DIR.rglob("*") if p.is_file()])


def environment() -> dict[str, str]:
    env = {"env.python": platform.python_version()}
    for package in PACKAGES:
        env[f"env.{package}"] = metadata.version(package)
    return env


def verify(record: dict, client) -> dict:
    """Walk prediction -> model version -> run -> code version and data digest."""
    problems: list[str] = []
    chain: dict = {"prediction_id": record.get("prediction_id")}
    name, version, run_id = (record.get(k) for k in ("model_name", "model_version", "run_id"))
    if not (name and version and run_id):
        return {"verified": False, "problems": ["the audit record names no model version or run"]}
    try:
        model_version = client.get_model_version(name, str(version))
    except Exception as exc:
        return {"verified": False, "problems": [f"model {name} v{version} not found: {exc}"]}
    chain |= {"model_name": name, "model_version": str(version), "run_id": model_version.run_id}
    if model_version.run_id != run_id:
        problems.append(f"model version {version} was trained by {model_version.run_id}")
    run = client.get_run(model_version.run_id)
    tags, params = run.data.tags, run.data.params
    chain |= {
        "code_version": tags.get(CODE_TAG),
        "data_digest": tags.get(DATA_TAG),
        "seed": params.get("seed"),
        "environment": {k: v for k, v in tags.items() if k.startswith("env.")},
    }
    checks = [
        ("code version", tags.get(CODE_TAG), code_version()),
        ("data digest", tags.get(DATA_TAG), data_digest()),
    ]
    checks += [(key, tags.get(key), value) for key, value in environment().items()]
    for what, recorded, now in checks:
        if recorded != now:
            problems.append(f"{what}: recorded {recorded}, now {now}")
    if params.get("seed") is None:
        problems.append("the run records no seed")
    return {"verified": not problems, "problems": problems, "lineage": chain}
