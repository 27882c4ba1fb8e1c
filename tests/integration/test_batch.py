"""`labgrade batch`: a class graded on one broker, N runs at a time, must agree with
grading each submission alone; an interrupted batch resumes where it stopped; a
student who submitted nothing gets a real 0 that says why, not an error."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from grader.batch.runner import BatchRequest, run_batch
from grader.grade import GradeRequest, grade
from grader.infra.kafka import KafkaBroker
from grader.lab.discovery import load_lab
from grader.selftest import materialize, variants

pytestmark = pytest.mark.slow

#: Submissions whose scores do not depend on the machine's speed.
CLASS = ("good", "syntax-error", "never-ready", "exits-mid-test")
NOBODY = "nobody"
"""A student whose folder is empty."""


@pytest.fixture(scope="module")
def lab(counter_lab_path_module: Path):
    return load_lab(counter_lab_path_module)


@pytest.fixture(scope="module")
def counter_lab_path_module() -> Path:
    return Path(__file__).resolve().parents[1] / "labs" / "00-counter"


@pytest.fixture(scope="module")
def submissions(lab, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    for variant in variants(lab):
        if variant.name in CLASS:
            materialize(lab, variant, folder)
    (folder / "README.txt").write_text("not a submission: files are ignored")
    (folder / NOBODY).mkdir()  # a student who pushed nothing
    return folder


@pytest.fixture(scope="module")
def batch(lab, submissions, tmp_path_factory):
    starts: list[KafkaBroker] = []
    real_start = KafkaBroker.start

    def counting_start(self: KafkaBroker) -> None:
        starts.append(self)
        real_start(self)

    out = tmp_path_factory.mktemp("batch")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(KafkaBroker, "start", counting_start)
        outcome = run_batch(
            BatchRequest(lab=lab, submissions=submissions, out_dir=out, jobs=2), say=print
        )
    return outcome, out, len(starts)


def _gradebook(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_every_student_is_in_the_gradebook_and_the_report(batch) -> None:
    outcome, out, _ = batch
    rows = _gradebook(out / "gradebook.csv")
    assert sorted(rows) == sorted([*CLASS, NOBODY])
    assert not outcome.not_graded
    assert rows["good"]["score"] == rows["good"]["max_score"] == "14"
    assert rows["never-ready"]["score"] == "0"
    assert {"points:smoke", "points:counting", "points:adds", "wall_s"} <= set(rows["good"])
    html = (out / "report.html").read_text()
    for student in [*CLASS, NOBODY]:
        assert f"students/{student}/feedback.md" in html
        assert (out / "students" / student / "feedback.md").is_file()


def test_an_empty_folder_is_not_submitted_with_zero_points_and_why(batch) -> None:
    outcome, out, _ = batch
    assert outcome.not_submitted == [NOBODY]
    row = _gradebook(out / "gradebook.csv")[NOBODY]
    assert row["status"] == "not_submitted" and row["score"] == "0"
    assert {v for k, v in row.items() if k.startswith("points:")} == {"0"}
    html = (out / "report.html").read_text()
    assert "nothing submitted" in html and "is empty" in html
    feedback = (out / "students" / NOBODY / "feedback.md").read_text()
    assert "Nothing submitted: 0 points" in feedback and "is empty" in feedback


def test_one_broker_serves_the_whole_class(batch) -> None:
    _, _, broker_starts = batch
    assert broker_starts == 1


def test_the_gradebook_agrees_with_grading_each_submission_alone(
    batch, lab, submissions, tmp_path
) -> None:
    outcome, _, _ = batch
    for entry in outcome.entries:
        alone = grade(
            GradeRequest(
                lab=lab, submission=submissions / entry.student, out_dir=tmp_path / entry.student
            ),
            progress=lambda _: None,
        )
        assert entry.result is not None
        assert entry.result.score == alone.score, entry.student
        assert [c.points for c in entry.result.checks] == [c.points for c in alone.checks]


def test_resume_grades_only_what_is_missing(batch, lab, submissions, tmp_path) -> None:
    _, out, _ = batch
    resumed_out = tmp_path / "resumed"
    shutil.copytree(out, resumed_out)
    (resumed_out / "students" / "good" / "result.json").unlink()  # interrupted mid-run
    graded: list[str] = []
    real_grade = grade

    def recording_grade(request: GradeRequest, progress) -> object:
        graded.append(request.submission.name)
        return real_grade(request, progress)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("grader.batch.runner.grade", recording_grade)
        outcome = run_batch(
            BatchRequest(
                lab=lab, submissions=submissions, out_dir=resumed_out, jobs=2, resume=True
            ),
            say=print,
        )
    assert sorted(graded) == ["good", NOBODY], "only what has no graded result is graded again"
    assert outcome.resumed == len(CLASS) - 1
    before, after = _gradebook(out / "gradebook.csv"), _gradebook(resumed_out / "gradebook.csv")
    kept = [s for s in CLASS if s != "good"]
    assert {s: after[s] for s in kept} == {s: before[s] for s in kept}
    assert after["good"]["score"] == "14"
