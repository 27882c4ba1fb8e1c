"""`labgrade`: arguments in, one verb called, exit code out.

Exit codes: 0 the job finished (whatever the score); 1 a self-test or lint found
problems; 2 bad usage, unknown lab, bad manifest, nothing submitted, or a report
folder in use; 3 infrastructure failed after retries (or is not installed); 70 a bug
in labgrade itself (with its traceback); 128+N stopped by signal N (130 Ctrl-C, 143
SIGTERM), after cleaning up.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INFRA, EXIT_BUG = 0, 1, 2, 3, 70
HIDDEN_KEY_ENV = "LABGRADE_HIDDEN_TESTS_KEY"
"""The key of an encrypted hidden-tests bundle given to `--tests`."""
CHECK_REPORTS = Path("grading") / "check"
"""Where `labgrade check` reports by default: never the folder `grade` writes."""


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so that every usage error
    takes the same way out (with `--github`, a step output the reporter shows)."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _lab(ref: str):
    from grader.lab.discovery import LabNotFound, resolve_lab
    from grader.lab.manifest import ManifestError

    try:
        return resolve_lab(ref)
    except (LabNotFound, ManifestError) as exc:
        raise UsageError(str(exc)) from None


def _grade(args: argparse.Namespace, mode: str) -> int:
    from grader.grade import GradeRequest, grade
    from grader.interrupt import Interrupted
    from grader.report import classroom, feedback
    from grader.report.folder import ReportFolder, ReportFolderError
    from grader.report.terminal import summary_table, use_color
    from grader.run.workspace import SubmissionError

    lab = _lab(args.lab)
    submission = (
        Path(args.submission) if args.submission else lab.path / lab.manifest.lab.submission_dir
    )
    if not submission.is_dir():
        raise UsageError(f"submission {submission} is not a folder")
    default_out = Path("grading") if mode == "grade" else CHECK_REPORTS
    out = Path(args.out) if args.out else default_out / lab.id
    stopped: Interrupted | None = None
    with ExitStack() as stack:
        request = GradeRequest(
            lab=lab,
            submission=submission,
            out_dir=out,
            mode=mode,
            with_load=not args.no_load,
            infra=args.infra,
            hidden_tests=_hidden_tests(args, lab, mode, stack),
        )
        try:
            result = grade(request)
        except (SubmissionError, ReportFolderError) as exc:
            raise UsageError(str(exc)) from None
        except Interrupted as stop:
            stopped, result = stop, stop.result
    print(summary_table(result, ReportFolder(out).reports(), color=use_color(sys.stdout)))
    if args.github:
        summary = feedback.render(result)
        for what in classroom.publish_to_github(classroom.build(result), summary) or [
            "nothing: not on GitHub"
        ]:
            print(f"[labgrade] published {what}", file=sys.stderr)
    if stopped is not None:
        return stopped.exit_code
    if result.status == "not_submitted":
        print(f"labgrade: nothing to grade: {result.error}", file=sys.stderr)
        return EXIT_USAGE
    if result.status == "infrastructure_error":
        return EXIT_INFRA
    return EXIT_OK


def _hidden_tests(args: argparse.Namespace, lab, mode: str, stack: ExitStack) -> Path | None:
    """The lab's hidden tests from `--tests` (a folder or an encrypted bundle), or None
    to use the lab's own; a clear error when a graded run would have none."""
    has_hidden_checks = lab.manifest.notebook is not None or any(
        check.hidden for check in lab.manifest.check
    )
    if mode != "grade" or not has_hidden_checks:
        return None
    if not getattr(args, "tests", None):
        if not (lab.path / "tests" / "hidden").is_dir():
            raise UsageError(
                f"{lab.id} has no tests/hidden here (a student copy?): grade with "
                "--tests DIR, the tree `labgrade export-hidden` writes"
            )
        return None
    from grader.export import HiddenTestsError, open_hidden_tests

    try:
        root = stack.enter_context(
            open_hidden_tests(Path(args.tests), os.environ.get(HIDDEN_KEY_ENV))
        )
    except HiddenTestsError as exc:
        raise UsageError(str(exc)) from None
    folder = root / lab.id / "tests" / "hidden"
    if not folder.is_dir():
        raise UsageError(
            f"{args.tests} has no hidden tests for {lab.id} (expected {lab.id}/tests/hidden)"
        )
    return folder


def cmd_grade(args: argparse.Namespace) -> int:
    return _grade(args, "grade")


def cmd_check(args: argparse.Namespace) -> int:
    return _grade(args, "check")


def cmd_batch(args: argparse.Namespace) -> int:
    from grader.batch.runner import BatchRequest, run_batch, submission_folders
    from grader.interrupt import Interrupted
    from grader.report.folder import ReportFolderError

    lab = _lab(args.lab)
    submissions = Path(args.submissions)
    if not submissions.is_dir():
        raise UsageError(f"--submissions {submissions} is not a folder")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not submission_folders(submissions):
        raise UsageError(
            f"--submissions {submissions} holds no submission folders (one folder per "
            "student, as GitHub Classroom's bulk clone lays them out)"
        )
    out = Path(args.out) if args.out else Path("grading") / "batch" / lab.id
    with ExitStack() as stack:
        request = BatchRequest(
            lab=lab,
            submissions=submissions,
            out_dir=out,
            jobs=args.jobs,
            resume=args.resume,
            with_load=not args.no_load,
            infra=args.infra,
            hidden_tests=_hidden_tests(args, lab, "grade", stack),
        )
        try:
            outcome = run_batch(request)
        except ReportFolderError as exc:
            raise UsageError(str(exc)) from None
        except Interrupted as stop:
            print(f"labgrade: the batch was interrupted; graded so far: {out}", file=sys.stderr)
            return stop.exit_code
    print(
        f"{len(outcome.entries)} student(s), {outcome.resumed} resumed, in {outcome.wall_s:.0f} s"
    )
    if outcome.not_submitted:
        print(f"nothing submitted (0 points): {', '.join(outcome.not_submitted)}")
    print(f"gradebook: {outcome.gradebook}")
    print(f"report:    {outcome.report}")
    if outcome.not_graded:
        print(f"not graded: {', '.join(outcome.not_graded)} (see {out / 'batch.log'})")
        return EXIT_INFRA
    return EXIT_OK


def cmd_export_student(args: argparse.Namespace) -> int:
    from grader.export import ExportError, export_student

    labs = _labs_or_all(args.labs)
    try:
        summary = export_student(
            Path(args.out), labs, Path(__file__).resolve().parents[1], progress=_progress
        )
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    print(summary.describe())
    return EXIT_OK


def _progress(message: str) -> None:
    print(f"[labgrade] {message}", file=sys.stderr, flush=True)


def cmd_export_hidden(args: argparse.Namespace) -> int:
    from grader.export import ExportError, export_hidden, export_hidden_bundle

    labs = _labs_or_all(args.labs)
    try:
        if args.bundle:
            key = export_hidden_bundle(Path(args.out), labs, None)
            print(f"wrote the encrypted bundle {args.out}")
            print(f"its key (keep it secret; CI reads it from ${HIDDEN_KEY_ENV}):")
            print(key.decode("ascii"))
        else:
            written = export_hidden(Path(args.out), labs)
            print(
                f"wrote {written.files_written} file(s), the hidden tests of "
                f"{', '.join(written.labs)}, to {args.out}"
            )
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def cmd_export_gradebook(args: argparse.Namespace) -> int:
    from grader.export.nbgrader_gradebook import (
        GradebookExportError,
        export_gradebook,
        graded_runs,
    )

    try:
        runs = graded_runs([Path(folder) for folder in args.batches])
        written = export_gradebook(runs, Path(args.nbgrader))
    except GradebookExportError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"wrote {written.students} student(s) of {', '.join(written.labs)} to {args.nbgrader} "
        "(assignment = lab, notebook 'labgrade', one grade cell per check)"
    )
    if written.skipped:
        print(f"left out, not graded: {', '.join(written.skipped)}")
    return EXIT_OK


def cmd_release_notebooks(args: argparse.Namespace) -> int:
    from grader.notebook.questions import NotebookSourceError
    from grader.notebook.release import sync_lab_notebooks

    stale = []
    for lab in _labs_or_all(args.labs):
        if lab.manifest.notebook is None:
            continue
        _progress(f"{lab.id}: releasing the notebook...")
        try:
            stale += sync_lab_notebooks(lab, check_only=args.check)
        except NotebookSourceError as exc:
            raise UsageError(str(exc)) from None
    if args.check:
        for folder in stale:
            print(f"out of date: {folder} (run `labgrade release-notebooks`)")
        if not stale:
            print("all notebooks up to date")
        return EXIT_FAILED if stale else EXIT_OK
    for folder in stale:
        print(f"wrote {folder}")
    print("all notebooks up to date" if not stale else f"{len(stale)} folder(s) rewritten")
    return EXIT_OK


def _labs_or_all(refs: list[str]) -> list:
    from grader.lab.discovery import lab_folders, load_lab

    return [_lab(ref) for ref in refs] if refs else [load_lab(f) for f in lab_folders()]


def cmd_list(args: argparse.Namespace) -> int:
    from grader.lab.discovery import lab_folders, load_lab
    from grader.lab.manifest import ManifestError

    for folder in lab_folders():
        try:
            lab = load_lab(folder)
            m = lab.manifest
            infra = ", ".join(m.lab.infra) or "none"
            print(f"{lab.id:<28} {m.max_score:>6g} pts  infra: {infra:<18} {m.lab.title}")
        except ManifestError as exc:
            print(f"{folder.name:<28} INVALID  {exc}")
    return EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    from grader.lab.discovery import LabNotFound, find_lab_folder, lab_folders, load_lab
    from grader.lab.lint import lint_lab
    from grader.lab.manifest import ManifestError

    try:
        folders = [find_lab_folder(ref) for ref in args.labs] if args.labs else lab_folders()
    except LabNotFound as exc:
        raise UsageError(str(exc)) from None
    bad_manifest, problems = False, 0
    for folder in folders:
        try:
            found = lint_lab(load_lab(folder))
        except ManifestError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            bad_manifest = True
            continue
        for problem in found:
            print(problem, file=sys.stderr)
        problems += len(found)
        if not found:
            print(f"{folder.name}: ok")
    if bad_manifest:
        return EXIT_USAGE
    return EXIT_FAILED if problems else EXIT_OK


def cmd_selftest(args: argparse.Namespace) -> int:
    from grader.lab.discovery import lab_folders, load_lab
    from grader.selftest import VariantOutcome, selftest, variants

    labs = [_lab(ref) for ref in args.labs] if args.labs else [load_lab(f) for f in lab_folders()]
    labs = [lab for lab in labs if variants(lab)]
    if not labs:
        raise UsageError("no lab with variants/ to self-test")

    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")

    def show(outcome: VariantOutcome) -> None:
        v, r = outcome.variant, outcome.result
        verdict = "ok  " if outcome.ok else "FAIL"
        if r is None or outcome.fraction is None:
            why = "grading failed" if r is None else r.status.replace("_", " ")
            print(f"{verdict} {outcome.lab} {v.name:<14} {why}", flush=True)
            return
        notebook = ""
        if v.notebook_points is not None:
            notebook = f", notebook {outcome.notebook_points}/expected {v.notebook_points:g}"
        print(
            f"{verdict} {outcome.lab} {v.name:<14} {outcome.fraction:5.0%}  expected "
            f"{v.min_fraction:.0%}-{v.max_fraction:.0%}  ({r.score}/{r.max_score:g}"
            f"{notebook}, {r.timings.get('total_s', 0):.0f} s)",
            flush=True,
        )

    outcomes = selftest(labs, Path(args.out), show, jobs=args.jobs)
    failed = [o for o in outcomes if not o.ok]
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    print(f"gradebooks and class reports: {args.out}/<lab>/")
    if any(o.result is None or o.result.score is None for o in failed):
        return EXIT_INFRA
    return EXIT_FAILED if failed else EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    from grader.grade import calibrate_lab
    from grader.load.calibration import cache_path, needs_calibration
    from grader.report._format import fmt_num

    lab = _lab(args.lab)
    if not needs_calibration(lab):
        print(f"{lab.id} has no relative load threshold: nothing to calibrate")
        return EXIT_OK
    if not (lab.path / lab.manifest.lab.reference_dir).is_dir():
        raise UsageError(f"{lab.id} has no {lab.manifest.lab.reference_dir}/ to calibrate with")
    found = calibrate_lab(lab)
    for load in lab.manifest.load:
        for threshold in load.threshold:
            if threshold.relative is None:
                continue
            measured = found.for_load(load.name).get(threshold.key)
            shown = "not measured" if measured is None else fmt_num(measured)
            print(f"{load.name:<20} {threshold.key:<30} reference {shown}")
    print(f"cached in {cache_path(lab)}")
    return EXIT_OK


def cmd_infra(args: argparse.Namespace) -> int:
    """Variables on stdout, one `export` a line, so `eval "$(labgrade infra up 03)"`
    works; everything said to the person on stderr."""
    from grader.infra import session

    if args.action == "up":
        needs = _lab(args.lab).manifest.lab.infra if args.lab else ["kafka"]
        running = session.up(needs)
        _progress(
            f"infrastructure running (daemon pid {running.pid}); stop it with `labgrade infra down`"
        )
        for connection in running.services.values():
            for key, value in connection.items():
                print(f"export {key}={shlex.quote(value)}")
        return EXIT_OK
    if args.action == "status":
        running = session.current()
        if running is None:
            print("no infrastructure running (start it with `labgrade infra up`)")
            return EXIT_FAILED
        print(f"running (daemon pid {running.pid})")
        for name, connection in running.services.items():
            print(f"  {name}: " + " ".join(f"{k}={v}" for k, v in connection.items()))
        return EXIT_OK
    print("stopped" if session.down() else "nothing was running")
    return EXIT_OK


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"labgrade {version('labgrade')}"
    except PackageNotFoundError:
        return "labgrade (not installed: run `make setup`)"


def _add_lab(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("lab", metavar="LAB", help="lab number (03), folder name, or path")


def _add_run_options(sub: argparse.ArgumentParser, *, out_default: str) -> None:
    """What every grading verb takes: report folder, provider, load."""
    sub.add_argument("--out", metavar="DIR", help=f"report folder (default: {out_default})")
    sub.add_argument(
        "--infra",
        default="local",
        choices=["local", "external"],
        help="infrastructure provider: local (embedded, default) or external "
        "(LABGRADE_KAFKA_BOOTSTRAP, LABGRADE_MLFLOW_TRACKING_URI, LABGRADE_KUBECONFIG)",
    )
    sub.add_argument("--no-load", action="store_true", help="skip the load checks")


def _add_tests(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--tests",
        metavar="DIR",
        help="hidden tests kept apart from the labs: the folder (or the encrypted "
        f"bundle, key in ${HIDDEN_KEY_ENV}) that `labgrade export-hidden` writes",
    )


def _grading_verbs(verb: Callable[..., argparse.ArgumentParser]) -> None:
    for name, handler, text, out_default in (
        (
            "grade",
            cmd_grade,
            "grade a submission: hidden checks, the full load run and the notebook",
            "./grading/<lab>/",
        ),
        (
            "check",
            cmd_check,
            "the student's check: visible tests and a short load smoke",
            f"./{CHECK_REPORTS}/<lab>/",
        ),
    ):
        sub = verb(name, handler, text)
        _add_lab(sub)
        sub.add_argument(
            "--submission",
            metavar="PATH",
            required=name == "grade",
            help="a folder shaped like starter/, or a student repository root"
            + ("" if name == "grade" else " (default: the lab's starter/)"),
        )
        _add_run_options(sub, out_default=out_default)
        sub.add_argument(
            "--github",
            action="store_true",
            help="in a GitHub Actions step: write the Classroom result to $GITHUB_OUTPUT "
            "(output 'result', also for a usage or infrastructure error) and the feedback "
            "to $GITHUB_STEP_SUMMARY; exit 0 whatever the score",
        )
        if name == "grade":
            _add_tests(sub)


def _batch_verb(verb: Callable[..., argparse.ArgumentParser]) -> None:
    batch = verb(
        "batch",
        cmd_batch,
        "grade every submission folder of a class: gradebook.csv and report.html",
    )
    _add_lab(batch)
    batch.add_argument(
        "--submissions",
        metavar="DIR",
        required=True,
        help="one folder per student (as GitHub Classroom's bulk clone lays them out)",
    )
    batch.add_argument("--jobs", type=int, default=2, help="runs at a time (default: 2)")
    batch.add_argument(
        "--resume", action="store_true", help="keep students already graded in --out"
    )
    _add_run_options(batch, out_default="./grading/batch/<lab>/")
    _add_tests(batch)


def _export_verbs(verb: Callable[..., argparse.ArgumentParser]) -> None:
    exports = {}
    for name, handler, text, out_help in (
        (
            "export-student",
            cmd_export_student,
            "write the student template repository: labs without solutions or hidden tests",
            "a new or empty folder",
        ),
        (
            "export-hidden",
            cmd_export_hidden,
            "write the hidden tests for a private companion repository (or an encrypted bundle)",
            "a new or empty folder (a file with --bundle)",
        ),
    ):
        exports[name] = verb(name, handler, text)
        exports[name].add_argument("out", metavar="OUT", help=out_help)
        exports[name].add_argument(
            "--labs", nargs="*", default=[], metavar="LAB", help="default: all"
        )
    exports["export-hidden"].add_argument(
        "--bundle",
        action="store_true",
        help=f"one encrypted file instead of a folder; prints its key (for ${HIDDEN_KEY_ENV})",
    )
    gradebook = verb(
        "export-gradebook",
        cmd_export_gradebook,
        "write a class's lab scores into an nbgrader gradebook, beside its notebooks",
    )
    gradebook.add_argument(
        "batches", nargs="+", metavar="BATCH_DIR", help="the --out folder(s) of `labgrade batch`"
    )
    gradebook.add_argument(
        "--nbgrader",
        required=True,
        metavar="DB",
        help="the course's gradebook.db (created if missing; scores are updated in place)",
    )


def _lab_verbs(verb: Callable[..., argparse.ArgumentParser]) -> None:
    notebooks = verb(
        "release-notebooks",
        cmd_release_notebooks,
        "regenerate each lab's released notebook (starter/notebook/, via nbgrader) and the "
        "reference's copy (solution/notebook/) from tests/hidden/notebook/",
    )
    notebooks.add_argument("labs", nargs="*", metavar="LAB", help="default: all")
    notebooks.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a copy is out of date"
    )
    verb("list", cmd_list, "list the labs")
    lint = verb("lint", cmd_lint, "validate lab manifests and folders")
    lint.add_argument("labs", nargs="*", metavar="LAB")
    st = verb("selftest", cmd_selftest, "grade every variant of each lab and check its score range")
    st.add_argument("labs", nargs="*", metavar="LAB")
    st.add_argument("--out", default="grading/selftest", metavar="DIR", help="report folder root")
    st.add_argument(
        "--jobs", type=int, default=2, help="variants graded at a time, as a batch (default: 2)"
    )
    cal = verb("calibrate", cmd_calibrate, "measure the reference solution's load figures here")
    cal.add_argument("lab", metavar="LAB")
    infra = verb(
        "infra",
        cmd_infra,
        "keep a lab's infrastructure running while you work "
        '(eval "$(labgrade infra up 03)" sets its variables in your shell)',
    )
    infra.add_argument("action", choices=["up", "status", "down"])
    infra.add_argument(
        "lab", nargs="?", metavar="LAB", help="start what this lab needs (default: kafka)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="labgrade",
        description="Hands-on labs on ML architecture patterns, graded on real infrastructure.",
        epilog="Exit codes: 0 done (any score), 1 self-test/lint problems, 2 bad usage, "
        "manifest or submission, 3 infrastructure failed after retries, 70 a bug in "
        "labgrade, 128+N stopped by signal N.",
    )
    parser.add_argument("--version", action="version", version=_version())
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    def verb(name: str, handler: Callable[[argparse.Namespace], int], help_text: str):
        sub = verbs.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    _grading_verbs(verb)
    _batch_verb(verb)
    _export_verbs(verb)
    _lab_verbs(verb)
    return parser


def _publish_error(reason: str, args: argparse.Namespace | None) -> None:
    """Under `--github`, a run that ends before a result exists still gets a step
    output: GitHub's reporter then shows the reason instead of its own confusion."""
    from grader.report import classroom

    max_score = 0.0
    if args is not None and getattr(args, "lab", None):
        with contextlib.suppress(UsageError):  # the lab may be what was wrong
            max_score = _lab(args.lab).manifest.max_score
    document = classroom.error_document(reason, max_score, "labgrade could not grade")
    classroom.publish_to_github(document, f"**labgrade could not grade:** {reason}\n")


def main(argv: list[str] | None = None) -> int:
    from grader import interrupt
    from grader.infra.service import InfrastructureError

    argv = sys.argv[1:] if argv is None else argv
    github = "--github" in argv
    args: argparse.Namespace | None = None
    try:
        with interrupt.stop_on_signals():
            args = build_parser().parse_args(argv)
            code = args.handler(args)
            stop = interrupt.requested()
            return stop.exit_code if stop is not None else code
    except UsageError as exc:
        print(f"labgrade: {exc}", file=sys.stderr)
        if github:
            _publish_error(str(exc), args)
        return EXIT_USAGE
    except InfrastructureError as exc:  # outside a grading's own result: a batch, a calibration
        fix = getattr(exc, "fix", "")
        print(
            f"labgrade: infrastructure failed: {exc}" + (f"\n  fix: {fix}" if fix else ""),
            file=sys.stderr,
        )
        if github:
            _publish_error(f"infrastructure failed: {exc}", args)
        return EXIT_INFRA
    except KeyboardInterrupt as exc:  # interrupt.Interrupted, or Ctrl-C before handlers
        print("labgrade: interrupted", file=sys.stderr)
        if github:
            _publish_error("the grading was interrupted before it finished: no score", args)
        return getattr(exc, "exit_code", 130)
    except BrokenPipeError:  # `labgrade list | head -1`: the reader has gone, quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13
    except Exception as exc:
        traceback.print_exc()
        print(
            "labgrade: this is a bug in labgrade, not in the submission; please report it "
            "with the traceback above",
            file=sys.stderr,
        )
        if github:
            _publish_error(f"labgrade failed ({type(exc).__name__}: {exc}): not graded", args)
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())
