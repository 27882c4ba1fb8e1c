"""lab.toml parsing: a sound manifest becomes a typed Manifest; a broken one raises
ManifestError with one line that names the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.lab.manifest import Manifest, ManifestError, parse_manifest

LAB = """
[lab]
id = "01-demo"
title = "Demo"
lesson = 1
"""

SERVICE = """
[[service]]
name = "api"
command = ["{python}", "-m", "api"]
ready = { http = "/health" }
"""

CHECK = """
[[check]]
name = "%s"
title = "Works"
concept = "It works."
tests = ["tests/hidden/test_a.py"]
points = 5
"""

LOAD = """
[[load]]
name = "traffic"
title = "Traffic"
concept = "Fast."
locustfile = "load/locustfile.py"
users = %s
spawn_rate = 5
duration_s = 10
points = 4

[[load.threshold]]
figure = "p95_ms"
good = %s
bad = 800
"""

FAULT = """
[[load.fault]]
at_s = 2
service = "%s"
action = "kill-restart"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lab.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ManifestError) as info:
        parse_manifest(path)
    message = str(info.value)
    assert "\n" not in message, f"a manifest error must be one line, got {message!r}"
    assert message.startswith(f"{path}: "), f"the error must name the file first: {message!r}"
    return message


def test_minimal_manifest_parses_with_defaults(tmp_path):
    manifest = parse_manifest(write(tmp_path, LAB))
    assert isinstance(manifest, Manifest)
    assert manifest.lab.id == "01-demo"
    assert manifest.lab.title == "Demo"
    assert manifest.lab.infra == []
    assert manifest.lab.submission_dir == "starter"
    assert manifest.service == [] and manifest.check == [] and manifest.load == []
    assert manifest.max_score == 0


def test_full_manifest_parses_and_sums_points(tmp_path):
    text = LAB + SERVICE + CHECK % "works" + LOAD % ("10", "150") + FAULT % "api"
    manifest = parse_manifest(write(tmp_path, text))
    assert [s.name for s in manifest.service] == ["api"]
    assert manifest.service[0].ready.http == "/health"
    assert manifest.load[0].users == 10
    assert manifest.load[0].threshold[0].good == 150
    assert manifest.load[0].fault[0].service == "api"
    assert manifest.max_score == 9


def test_missing_file(tmp_path):
    message = error_of(tmp_path / "lab.toml")
    assert "no such file" in message


def test_bad_toml(tmp_path):
    path = write(tmp_path, LAB + "\n[[service]\nname = 'x'\n")
    message = error_of(path)
    assert "not valid TOML" in message
    assert "line 7" in message, f"the TOML error should say where: {message!r}"


def test_missing_title(tmp_path):
    path = write(tmp_path, LAB.replace('title = "Demo"\n', ""))
    message = error_of(path)
    assert "key 'lab.title'" in message
    assert "missing" in message


def test_unknown_optional_key_is_named(tmp_path):
    path = write(tmp_path, LAB + SERVICE + "memroy_mb = 512\n")
    message = error_of(path)
    assert "key 'service[0].memroy_mb'" in message
    assert "unknown key" in message


def test_typo_of_required_key_names_the_typo(tmp_path):
    path = write(tmp_path, LAB + SERVICE.replace("command =", "comand ="))
    message = error_of(path)
    assert "service[0].comand" in message
    assert "unknown key" in message


def test_users_must_be_a_number(tmp_path):
    path = write(tmp_path, LAB + SERVICE + LOAD % ('"ten"', "150"))
    message = error_of(path)
    assert "key 'load[0].users'" in message
    assert "integer" in message


def test_threshold_good_equal_to_bad(tmp_path):
    path = write(tmp_path, LAB + SERVICE + LOAD % ("10", "800"))
    message = error_of(path)
    assert "key 'load[0].threshold[0]'" in message
    assert "good and bad must differ" in message


def test_readiness_with_two_probes(tmp_path):
    text = LAB + SERVICE.replace('{ http = "/health" }', '{ http = "/health", tcp = true }')
    message = error_of(write(tmp_path, text))
    assert "key 'service[0].ready'" in message
    assert "exactly one" in message


def test_readiness_with_no_probe(tmp_path):
    text = LAB + SERVICE.replace('{ http = "/health" }', "{ timeout_s = 5 }")
    message = error_of(write(tmp_path, text))
    assert "key 'service[0].ready'" in message
    assert "exactly one" in message


def test_fault_on_unknown_service(tmp_path):
    text = LAB + SERVICE + LOAD % ("10", "150") + FAULT % "projector"
    message = error_of(write(tmp_path, text))
    assert "unknown service 'projector'" in message
    assert "load 'traffic'" in message
    assert "known: api" in message


def test_duplicate_check_names(tmp_path):
    text = LAB + SERVICE + CHECK % "works" + CHECK % "works"
    message = error_of(write(tmp_path, text))
    assert "duplicate check name(s): works" in message


def test_several_problems_are_counted_on_the_one_line(tmp_path):
    text = LAB.replace('title = "Demo"\n', "").replace("lesson = 1", "lesson = 0")
    message = error_of(write(tmp_path, text))
    assert "(and 1 more problem)" in message


SUPPORT_SERVICE = """
[[service]]
name = "upstream"
source = "support"
command = ["{python}", "upstream.py"]
ready = { tcp = true }
"""


def test_switch_faults_must_target_a_support_service(tmp_path):
    fault = '\n[[check.fault]]\nservice = "api"\nlatency_ms = 100\n'
    faulty = LAB + SERVICE + CHECK % "slow" + fault
    message = error_of(write(tmp_path, faulty))
    assert "not a support service" in message


def test_a_latency_fault_needs_its_latency(tmp_path):
    fault = '\n[[load.fault]]\nat_s = 1\nservice = "upstream"\naction = "latency"\n'
    lab = LAB + SERVICE + SUPPORT_SERVICE + LOAD % ("10", "150") + fault
    assert "needs latency_ms > 0" in error_of(write(tmp_path, lab))
