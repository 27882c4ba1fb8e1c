"""Finding labs, linting lab folders, the run context file, and mapping test ids to
the check group they belong to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.checks.runner import owner
from grader.lab.discovery import LabNotFound, lab_folders, load_lab, resolve_lab
from grader.lab.lint import lint_lab
from grader.lab.manifest import CheckSpec, ManifestError
from grader.run.context import ENV_VAR, RunContext

# -- discovery ---------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["00", "0", "00-counter"])
def test_resolve_by_number_or_folder_name(test_labs_root, counter_lab_path, ref):
    lab = resolve_lab(ref)
    assert lab.id == "00-counter"
    assert lab.number == "00"
    assert lab.path == counter_lab_path.resolve()
    assert lab.manifest_path == counter_lab_path.resolve() / "lab.toml"


def test_resolve_by_path(counter_lab_path, monkeypatch, tmp_path):
    monkeypatch.setenv("LABGRADE_LABS", str(tmp_path))  # not found by name: only the path
    lab = resolve_lab(str(counter_lab_path))
    assert lab.id == "00-counter"
    assert lab.path == counter_lab_path.resolve()


def test_unknown_lab_lists_known_labs(test_labs_root):
    with pytest.raises(LabNotFound) as info:
        resolve_lab("77")
    assert "no lab '77'" in str(info.value)
    assert "00-counter" in str(info.value)


def test_a_folder_without_manifest_is_not_a_lab(test_labs_root, tmp_path):
    with pytest.raises(LabNotFound, match="is not a lab folder"):
        resolve_lab(str(tmp_path))


def test_lab_folders_of_an_empty_or_missing_root(tmp_path):
    assert lab_folders(tmp_path) == []
    assert lab_folders(tmp_path / "missing") == []


def test_ambiguous_number_is_not_guessed(tmp_path, monkeypatch, counter_lab_path):
    for name in ("00-counter", "00-other"):
        shutil.copytree(
            counter_lab_path, tmp_path / name, ignore=shutil.ignore_patterns("variants")
        )
    monkeypatch.setenv("LABGRADE_LABS", str(tmp_path))
    with pytest.raises(LabNotFound, match="00-counter, 00-other"):
        resolve_lab("00")


def test_id_must_match_folder_under_labs_root(tmp_path, monkeypatch, counter_lab_path):
    folder = tmp_path / "00-renamed"
    shutil.copytree(counter_lab_path, folder, ignore=shutil.ignore_patterns("variants"))
    monkeypatch.setenv("LABGRADE_LABS", str(tmp_path))
    with pytest.raises(ManifestError) as info:
        resolve_lab("00-renamed")
    assert "key 'lab.id'" in str(info.value)
    assert '"00-renamed"' in str(info.value)
    assert str(folder / "lab.toml") in str(info.value)


# -- lint --------------------------------------------------------------------------


def test_lint_of_the_test_lab_is_clean(counter_lab_path):
    assert lint_lab(load_lab(counter_lab_path)) == []


@pytest.fixture
def lab_copy(tmp_path, counter_lab_path) -> Path:
    folder = tmp_path / "00-counter"
    shutil.copytree(counter_lab_path, folder, ignore=shutil.ignore_patterns("variants"))
    assert lint_lab(load_lab(folder)) == []
    return folder


def test_lint_missing_test_file(lab_copy):
    (lab_copy / "tests/hidden/test_events.py").unlink()
    problems = lint_lab(load_lab(lab_copy))
    assert problems == [
        f"{lab_copy / 'lab.toml'}: key 'check[2].tests': no such file or folder "
        "'tests/hidden/test_events.py'"
    ]


def test_lint_unknown_placeholder(lab_copy):
    manifest = lab_copy / "lab.toml"
    manifest.write_text(manifest.read_text().replace("{state_dir}", "{statedir}"))
    problems = lint_lab(load_lab(lab_copy))
    assert len(problems) == 1
    assert problems[0].startswith(f"{manifest}: key 'service[0]'")
    assert "unknown placeholder '{statedir}'" in problems[0]


def test_lint_missing_locustfile(lab_copy):
    (lab_copy / "load/locustfile.py").unlink()
    problems = lint_lab(load_lab(lab_copy))
    assert problems == [
        f"{lab_copy / 'lab.toml'}: key 'load[0].locustfile': no such file 'load/locustfile.py'"
    ]


def test_lint_hidden_check_selecting_visible_tests(lab_copy):
    manifest = lab_copy / "lab.toml"
    manifest.write_text(manifest.read_text().replace("hidden = false", "hidden = true"))
    problems = lint_lab(load_lab(lab_copy))
    assert problems == [f"{manifest}: key 'check[0].tests': a hidden check selects 'tests/visible'"]


def test_lint_missing_readme_and_starter(lab_copy):
    (lab_copy / "README.md").unlink()
    shutil.rmtree(lab_copy / "starter")
    problems = lint_lab(load_lab(lab_copy))
    assert any("missing folder 'starter/'" in p for p in problems)
    assert any("missing README.md" in p for p in problems)
    assert all(p.startswith(str(lab_copy)) for p in problems)


# -- run context -------------------------------------------------------------------


def context() -> RunContext:
    return RunContext(
        run_id="lgabc",
        lab_dir="/lab",
        submission_dir="/sub",
        state_dir="/state",
        python="/usr/bin/python3",
        services={"counter": "http://127.0.0.1:1234"},
        service_names=["counter", "worker"],
        infra_env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092", "TOPIC_PREFIX": "lgabc."},
        control_url="http://127.0.0.1:4321",
        control_token="t0k",
        test_timeouts={"tests/hidden": 4.0},
        results_path="/work/results.jsonl",
    )


def test_run_context_round_trip(tmp_path, monkeypatch):
    original = context()
    path = original.write(tmp_path / "context.json")
    assert json.loads(path.read_text())["control_token"] == "t0k"
    assert RunContext.read(path) == original
    monkeypatch.setenv(ENV_VAR, str(path))
    again = RunContext.from_environment()
    assert again == original
    assert again.kafka_bootstrap == "127.0.0.1:9092"
    assert again.topic_prefix == "lgabc."
    assert again.url("counter") == "http://127.0.0.1:1234"


def test_run_context_unknown_service_names_known_ones():
    with pytest.raises(KeyError, match=r"no service 'worker' with a port.*counter"):
        context().url("worker")


def test_run_context_outside_a_run(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(RuntimeError, match=ENV_VAR):
        RunContext.from_environment()


def test_run_context_without_kafka():
    ctx = context()
    ctx.infra_env = {}
    assert ctx.kafka_bootstrap == "" and ctx.topic_prefix == ""


# -- runner.owner ------------------------------------------------------------------


def spec(name: str, *tests: str) -> CheckSpec:
    return CheckSpec(name=name, title=name, concept=name, tests=list(tests), points=1)


CHECKS = [
    spec("folder", "tests/hidden/"),
    spec("file", "tests/hidden/test_a.py"),
    spec("one", "tests/hidden/test_a.py::test_special"),
    spec("cls", "tests/hidden/test_b.py::TestGroup"),
    spec("visible", "tests/visible"),
]


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/hidden/test_a.py::test_special", "one"),
        ("tests/hidden/test_a.py::test_other", "file"),
        ("tests/hidden/test_b.py::test_plain", "folder"),
        ("tests/hidden/test_b.py::TestGroup::test_m", "cls"),
        ("tests/hidden/sub/test_c.py::test_x", "folder"),
        ("tests/visible/test_smoke.py::test_health", "visible"),
        ("tests/hidden/test_a.py::test_special_case", "file"),  # not a prefix match
        ("tests/hidden_more/test_d.py::test_x", None),  # not inside tests/hidden/
        ("tests/other/test_e.py::test_x", None),
    ],
)
def test_owner_most_specific_selection_wins(nodeid, expected):
    found = owner(nodeid, CHECKS)
    assert (found.name if found else None) == expected


def test_owner_is_independent_of_check_order():
    for nodeid in ("tests/hidden/test_a.py::test_special", "tests/hidden/test_a.py::test_x"):
        assert owner(nodeid, CHECKS) == owner(nodeid, list(reversed(CHECKS)))


def test_owner_of_a_parametrized_test_selected_by_function():
    checks = [spec("param", "tests/hidden/test_p.py::test_p")]
    found = owner("tests/hidden/test_p.py::test_p[1]", checks)
    assert found is not None and found.name == "param"


def test_lint_accepts_a_student_copy_without_hidden_tests(lab_copy):
    """A student repository has no tests/hidden at all: kept apart, not missing."""
    shutil.rmtree(lab_copy / "tests" / "hidden")
    assert lint_lab(load_lab(lab_copy)) == []
