"""Grading every submission of a class: one set of infrastructure, N runs at a time.

The infrastructure is started once and each run takes its own namespace on it
(topics, experiments, Kubernetes namespaces are prefixed by the run id), so the
broker's or API server's start-up is paid once, not once per student. Runs overlap
in everything but their load phase, which runs alone on the machine (`MachineTurns`):
a load figure measured while another run's checks or services use the same cores
would say more about the neighbour than about the student.

Every student's reports land in `students/<folder>/` as soon as they are graded, so
an interrupted batch loses at most the runs in flight (they say `interrupted`);
`--resume` skips the students that already have a graded result.  A student folder
with nothing of the lab in it is `not_submitted`: 0 points, and the report says why.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from grader import interrupt
from grader.batch import gradebook
from grader.batch.class_report import StudentEntry, write_class_report
from grader.grade import GradeRequest, calibrate_lab, grade
from grader.infra.local import Infrastructure
from grader.infra.provider import open_infrastructure
from grader.infra.service import InfrastructureError, InfrastructureMissing
from grader.interrupt import Interrupted
from grader.lab.discovery import Lab
from grader.load import calibration
from grader.report._format import NO_SCORE_HEADLINES, fmt_points, total_seconds
from grader.report.folder import claimed, prepare
from grader.result import GradingResult
from grader.run.turns import MachineTurns
from grader.run.workspace import nothing_submitted

STUDENTS_DIR = "students"
REPORT_FILE = "report.html"
LOG_FILE = "batch.log"
BATCH_FILES = frozenset({gradebook.FILENAME, REPORT_FILE, LOG_FILE, STUDENTS_DIR})
"""What a batch's folder holds: one holding none of it is not labgrade's to write into."""


@dataclass(frozen=True)
class BatchRequest:
    lab: Lab
    submissions: Path
    out_dir: Path
    jobs: int = 1
    resume: bool = False
    with_load: bool = True
    infra: str = "local"
    hidden_tests: Path | None = None


@dataclass
class BatchOutcome:
    entries: list[StudentEntry]
    resumed: int
    gradebook: Path
    report: Path
    wall_s: float

    @property
    def not_graded(self) -> list[str]:
        """Students without a score: the grader's side failed (never the student's 0)."""
        return [e.student for e in self.entries if e.result is None or e.result.score is None]

    @property
    def not_submitted(self) -> list[str]:
        return [
            e.student
            for e in self.entries
            if e.result is not None and e.result.status == "not_submitted"
        ]


def submission_folders(submissions: Path) -> list[Path]:
    """One folder per student, as GitHub Classroom's bulk clone lays them out."""
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


def student_dir(out_dir: Path, student: str) -> Path:
    return out_dir / STUDENTS_DIR / student


def previous_result(out_dir: Path, student: str) -> GradingResult | None:
    """The student's result from an earlier, interrupted batch, if it was graded."""
    path = student_dir(out_dir, student) / "result.json"
    if not path.is_file():
        return None
    try:
        result = GradingResult.read(path)
    except (OSError, ValueError, TypeError, KeyError):
        return None  # a half-written or foreign file: grade again
    return result if result.status == "graded" and result.mode == "grade" else None


class SharedInfrastructure:
    """The batch's one set of services; started again if it stops answering."""

    def __init__(self, provider: str, needs: list[str]) -> None:
        self._provider, self._needs = provider, needs
        self._lock = threading.Lock()
        self._stack = ExitStack()
        self._infra: Infrastructure | None = None

    def _open(self) -> Infrastructure:
        return self._stack.enter_context(open_infrastructure(self._provider, self._needs, "grade"))

    def healthy(self) -> Infrastructure:
        """The running infrastructure, restarted first when a service stopped answering."""
        with self._lock:
            if self._infra is not None and self._infra.unhealthy():
                self._stack.close()
                self._infra = None
            if self._infra is None:
                self._infra = self._open()
            return self._infra

    def close(self) -> None:
        with self._lock:
            self._stack.close()
            self._infra = None


class Progress:
    """One line per finished student: a bar, the score, and an estimate of the rest."""

    def __init__(self, total: int, out: Callable[[str], None]) -> None:
        self.total, self.done, self._out = total, 0, out
        self._started = time.monotonic()
        self._lock = threading.Lock()

    def finished(self, student: str, result: GradingResult | None, wall_s: float) -> None:
        with self._lock:
            self.done += 1
            elapsed = time.monotonic() - self._started
            remaining = (self.total - self.done) * elapsed / self.done
            filled = round(20 * self.done / self.total)
            bar = "#" * filled + "-" * (20 - filled)
            self._out(
                f"[{bar}] {self.done}/{self.total} {student}: {_outcome_text(result)} "
                f"in {wall_s:.0f} s · elapsed {_clock(elapsed)}, ETA {_clock(remaining)}"
            )


def _outcome_text(result: GradingResult | None) -> str:
    if result is None:
        return f"grading failed (see {LOG_FILE})"
    if result.status != "graded":
        return NO_SCORE_HEADLINES.get(result.status, result.status)
    return f"{fmt_points(result.score)}/{fmt_points(result.max_score)}"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def _say(message: str) -> None:
    print(f"[labgrade] {message}", file=sys.stderr, flush=True)


@contextmanager
def _log(out_dir: Path) -> Iterator[Callable[[str, str], None]]:
    """Every run's phase messages, prefixed by student, in one file."""
    lock = threading.Lock()
    with (out_dir / LOG_FILE).open("a", encoding="utf-8") as handle:

        def write(student: str, message: str) -> None:
            with lock:
                handle.write(f"{time.strftime('%H:%M:%S')} {student}: {message}\n")
                handle.flush()

        yield write


def run_batch(
    request: BatchRequest,
    say: Callable[[str], None] = _say,
    on_graded: Callable[[StudentEntry], None] = lambda _: None,
) -> BatchOutcome:
    """Grade the class, telling `on_graded` of each student as soon as they are graded;
    raises `InfrastructureMissing` at once when the lab cannot run on this machine,
    and `Interrupted` (after writing the gradebook and report of what was graded)
    when asked to stop."""
    started = time.monotonic()
    lab = request.lab
    prepare(request.out_dir, BATCH_FILES)
    with claimed(request.out_dir):
        folders = submission_folders(request.submissions)
        previous = {f.name: previous_result(request.out_dir, f.name) for f in folders}
        entries: dict[str, StudentEntry] = {}
        if request.resume:
            for name, result in previous.items():
                if result is not None:
                    entries[name] = _entry(request.out_dir, name, result, total_seconds(result))
        todo = [f for f in folders if f.name not in entries]
        say(
            f"{lab.id}: {len(folders)} submission(s), {len(entries)} already graded, "
            f"{len(todo)} to grade, {request.jobs} at a time"
        )
        if todo and request.with_load:
            _calibrate_once(lab, say)
        stopped: Interrupted | None = None
        try:
            _grade_all(request, todo, entries, say, on_graded)
        except Interrupted as stop:
            stopped = stop
        ordered = [entries[f.name] for f in folders if f.name in entries]
        book = gradebook.write(lab, ordered, request.out_dir / gradebook.FILENAME)
        report = write_class_report(
            lab.id, lab.manifest.lab.title, ordered, request.out_dir / REPORT_FILE
        )
    if stopped is not None:
        raise stopped
    return BatchOutcome(ordered, len(folders) - len(todo), book, report, time.monotonic() - started)


def _grade_all(
    request: BatchRequest,
    todo: list[Path],
    entries: dict[str, StudentEntry],
    say: Callable[[str], None],
    on_graded: Callable[[StudentEntry], None],
) -> None:
    """Every student of `todo` into `entries`, `jobs` at a time, on one set of
    infrastructure; the first stop request (or a lab that cannot run here) cancels
    what has not started and waits for the runs in flight to unwind."""
    shared = SharedInfrastructure(request.infra, request.lab.manifest.lab.infra)
    turns = MachineTurns()
    progress = Progress(len(todo), say)
    with _log(request.out_dir) as log, ThreadPoolExecutor(max(1, request.jobs)) as pool:
        futures: dict[Future, Path] = {
            pool.submit(_grade_student, request, folder, shared, turns, log): folder
            for folder in todo
        }
        try:
            for future in as_completed(futures):
                entry = future.result()  # Interrupted, InfrastructureMissing: stop all
                entries[entry.student] = entry
                progress.finished(entry.student, entry.result, entry.wall_s)
                on_graded(entry)
        except BaseException:
            for future in futures:
                future.cancel()
            pool.shutdown(wait=True)
            for future, folder in futures.items():
                interrupted = _interrupted_entry(request.out_dir, folder.name, future)
                if interrupted is not None and folder.name not in entries:
                    entries[folder.name] = interrupted
            raise
        finally:
            shared.close()


def _interrupted_entry(out_dir: Path, student: str, future: Future) -> StudentEntry | None:
    """The row of a run that a stop request cut short (it published its result)."""
    stop = None if future.cancelled() else future.exception()
    result = stop.result if isinstance(stop, Interrupted) else None
    if not isinstance(result, GradingResult):
        return None
    return _entry(out_dir, student, result, total_seconds(result))


def _calibrate_once(lab: Lab, say: Callable[[str], None]) -> None:
    """Relative load thresholds need the reference's figures: measured before the runs
    start, so that parallel runs neither race to calibrate nor calibrate on a busy machine."""
    if not calibration.needs_calibration(lab) or calibration.cached(lab) is not None:
        return
    if not (lab.path / lab.manifest.lab.reference_dir).is_dir():
        return
    say(f"calibrating {lab.id} against its reference solution (once per machine)...")
    calibrate_lab(lab, say)


def _grade_student(
    request: BatchRequest,
    folder: Path,
    shared: SharedInfrastructure,
    turns: MachineTurns,
    log: Callable[[str, str], None],
) -> StudentEntry:
    """One student's run; whatever goes wrong costs this student's row, never the
    batch, except a stop request and infrastructure this machine cannot run at all.
    A folder with nothing to grade starts no infrastructure."""
    interrupt.check()
    began = time.monotonic()
    student = folder.name
    result: GradingResult | None = None
    for _attempt in range(2):  # a second try on freshly started infrastructure
        infra = None
        if not nothing_submitted(request.lab, folder):
            try:
                infra = shared.healthy()
            except InfrastructureMissing:
                raise
            except InfrastructureError as exc:
                log(student, f"infrastructure could not start: {exc}")
                continue
        grade_request = GradeRequest(
            lab=request.lab,
            submission=folder,
            out_dir=student_dir(request.out_dir, student),
            with_load=request.with_load,
            hidden_tests=request.hidden_tests,
            shared_infra=infra,
            turns=turns,
        )
        try:
            result = grade(grade_request, progress=lambda message: log(student, message))
        except Interrupted:
            log(student, "interrupted")
            raise
        except Exception as exc:  # a bad submission folder, or a grader bug: this row only
            log(student, f"grading failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
            result = None
            break
        if result.status != "infrastructure_error":
            break
    wall_s = total_seconds(result) if result is not None else time.monotonic() - began
    return _entry(request.out_dir, student, result, wall_s)


def _entry(
    out_dir: Path, student: str, result: GradingResult | None, wall_s: float
) -> StudentEntry:
    feedback = student_dir(out_dir, student) / "feedback.md"
    href = f"{STUDENTS_DIR}/{quote(student)}/feedback.md" if feedback.is_file() else None
    return StudentEntry(student=student, result=result, feedback_href=href, wall_s=wall_s)
