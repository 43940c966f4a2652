"""Mutation check of the lines that matter most: does the test suite notice when they break?

    .venv/bin/python bench/mutation.py               # every mutant, its tests, the score
    .venv/bin/python bench/mutation.py --list        # the mutants only
    .venv/bin/python bench/mutation.py -k exit       # mutants whose name contains "exit"

A small self-written mutator rather than mutmut: mutmut 3 rewrites every function of a module
into trampolines and runs pytest from its own ``mutants/`` copy, which does not fit pytest-django
with our migrations and settings (and generates thousands of mutants for 2 shared cores). Here
each mutant is one hand-listed, realistic mistake (a cut-off off by one, a flag always true, a
scope that forgets the area) in ``core/scoping.py``, ``core/idnumber.py``,
``assessments/rules.py``, the screening override step and the import pipeline's diff and exit
steps, run against the tests that should catch it.

Each mutant is applied to a scratch copy of the project (the working tree is never touched) and
its tests run with ``-x``; a failing run kills it. The score is killed / total. A mutant whose
text is no longer in its file is reported as STALE (the code moved: update the list).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


SCOPING_TESTS = ("tests/core/test_scoping_unit.py", "tests/core/test_scoping_matrix.py")
ID_TESTS = ("tests/core/test_idnumber.py", "tests/households/test_forms.py")
RULE_TESTS = ("tests/assessments/test_rules.py",)
IMPORT_TESTS = ("tests/imports/test_snapshot.py", "tests/imports/test_exit_flag.py")

MUTANTS = [
    # --- area scoping
    Mutant(
        "scoping: read-only roles may write",
        "core/scoping.py",
        "if action != VIEW and not user.can_write:",
        "if False and action != VIEW and not user.can_write:",
        SCOPING_TESTS,
    ),
    Mutant(
        "scoping: an area sees the whole city",
        "core/scoping.py",
        "return Q(**{prefix + AREA_FIELD[division.level]: division.pk})",
        "return Q()",
        SCOPING_TESTS,
    ),
    Mutant(
        "scoping: a community worker sees the whole town",
        "core/scoping.py",
        'AREA_FIELD = {"town": "town", "community": "community", "grid": "grid"}',
        'AREA_FIELD = {"town": "town", "community": "town", "grid": "grid"}',
        SCOPING_TESTS,
    ),
    Mutant(
        "scoping: inactive users keep their area",
        "core/scoping.py",
        "if user is None or not user.is_authenticated or not user.is_active:",
        "if user is None or not user.is_authenticated:",
        SCOPING_TESTS + ("tests/households/test_auth.py",),
    ),
    # --- ID numbers
    Mutant(
        "idnumber: checksum modulo 10",
        "core/idnumber.py",
        "return CHECK_CHARS[total % 11]",
        "return CHECK_CHARS[total % 10]",
        ID_TESTS,
    ),
    Mutant(
        "idnumber: mask shows 5 trailing digits",
        "core/idnumber.py",
        'return value[:6] + "*" * (len(value) - 10) + value[-4:]',
        'return value[:6] + "*" * (len(value) - 11) + value[-5:]',
        ID_TESTS,
    ),
    Mutant(
        "idnumber: sex digit read from position 15",
        "core/idnumber.py",
        'sex = "male" if int(value[16]) % 2 else "female"',
        'sex = "male" if int(value[15]) % 2 else "female"',
        ID_TESTS,
    ),
    # --- screening rules
    Mutant(
        "rules: past compulsory school age a year early",
        "assessments/rules.py",
        '"age_over_school_max": self.born_by(v["screen_school_age_max"] + 1),',
        '"age_over_school_max": self.born_by(v["screen_school_age_max"]),',
        RULE_TESTS,
    ),
    Mutant(
        "rules: elderly from 61",
        "assessments/rules.py",
        '"age_elderly": self.born_by(v["screen_elderly_age"]),',
        '"age_elderly": self.born_by(v["screen_elderly_age"] + 1),',
        RULE_TESTS,
    ),
    Mutant(
        "rules: an enrolled student needs no support",
        "assessments/rules.py",
        'if h("enrolled") and supported:',
        'if h("enrolled"):',
        RULE_TESTS,
    ),
    Mutant(
        "rules: leap-day birthdays a day late",
        "assessments/rules.py",
        "return day.replace(year=day.year - years, day=28)",
        "return day.replace(year=day.year - years, month=3, day=1)",
        RULE_TESTS,
    ),
    # --- a worker's verdict on re-screening
    Mutant(
        "screening: a confirmation is dropped on every re-screen",
        "assessments/screening.py",
        "if override is not None and override.fingerprint != fp:",
        'if override is not None and (override.fingerprint != fp or override.verdict == "confirm"):',
        ("tests/assessments/test_overrides.py",),
    ),
    # --- import pipeline: diff and exit steps
    Mutant(
        "pipeline: exit flag always true",
        "imports/pipeline.py",
        'f"INSERT INTO {EXIT} (person_id, flag) SELECT m.person_id, (p.status = %s) "',
        'f"INSERT INTO {EXIT} (person_id, flag) SELECT m.person_id, (p.status = %s OR 1 = 1) "',
        IMPORT_TESTS,
    ),
    Mutant(
        "pipeline: exits ignore the source",
        "imports/pipeline.py",
        'f"WHERE m.source = %s AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.person_id = m.person_id)",',
        'f"WHERE m.source = m.source AND %s = %s AND NOT EXISTS (SELECT 1 FROM {STAGE} s '
        'WHERE s.person_id = m.person_id)",',
        IMPORT_TESTS,
    ),
    Mutant(
        "pipeline: a changed person field is not seen",
        "imports/pipeline.py",
        "f\"CASE WHEN s.{f} IS NOT NULL AND {d.ne(f's.{f}', f'p.{f}')} THEN '{f},' ELSE '' END\"",
        "f\"CASE WHEN s.{f} IS NULL AND {d.ne(f's.{f}', f'p.{f}')} THEN '{f},' ELSE '' END\"",
        IMPORT_TESTS,
    ),
    Mutant(
        "pipeline: a move to another household is not seen",
        "imports/pipeline.py",
        "moved = \"CASE WHEN hh.household_id IS NULL OR hh.household_id <> {old} THEN 'household,' ELSE '' END\"",
        "moved = \"CASE WHEN hh.household_id IS NULL THEN 'household,' ELSE '' END\"",
        IMPORT_TESTS,
    ),
    Mutant(
        "pipeline: a changed status start date is not seen",
        "imports/pipeline.py",
        "f\"({STATUS}.start_date IS NOT NULL AND {d.ne(f'{STATUS}.start_date', 'a.start_date')})) \"",
        "f\"({STATUS}.start_date IS NULL AND {d.ne(f'{STATUS}.start_date', 'a.start_date')})) \"",
        IMPORT_TESTS,
    ),
]


def scratch_copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="zc-mutation-")) / "project"
    ignore = shutil.ignore_patterns(".git", ".venv", "var", "__pycache__", "*.pyc", "node_modules", "media")
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def run_tests(project: Path, tests: tuple[str, ...], timeout: int) -> tuple[bool, float]:
    """True if the tests pass (the mutant survives)."""
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not browser",
        *tests,
    ]
    try:
        done = subprocess.run(command, cwd=project, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - started  # a hang is noticed too
    return done.returncode == 0, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per mutant")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    args = parser.parse_args()
    mutants = [m for m in MUTANTS if args.k.lower() in m.name.lower()]
    if args.list:
        for m in mutants:
            print(f"{m.name:55} {m.path}")
        return 0
    project = scratch_copy()
    print(f"scratch copy: {project}")
    try:
        if not args.no_baseline:
            tests = tuple(sorted({t for m in mutants for t in m.tests}))
            ok, seconds = run_tests(project, tests, args.timeout * 2)
            print(f"baseline (no mutant): {'pass' if ok else 'FAIL'} in {seconds:.0f} s")
            if not ok:
                print("the tests fail without a mutant: fix them first")
                return 2
        killed = survived = stale = 0
        for m in mutants:
            source = project / m.path
            original = source.read_text(encoding="utf-8")
            if original.count(m.old) != 1:
                stale += 1
                print(f"STALE     {m.name} ({m.path}: text found {original.count(m.old)} times)")
                continue
            source.write_text(original.replace(m.old, m.new), encoding="utf-8")
            try:
                passed, seconds = run_tests(project, m.tests, args.timeout)
            finally:
                source.write_text(original, encoding="utf-8")
            if passed:
                survived += 1
            else:
                killed += 1
            print(f"{'SURVIVED' if passed else 'killed  '}  {m.name}  ({seconds:.0f} s)", flush=True)
        total = killed + survived
        print(
            f"\nmutation score: {killed}/{total} killed ({100 * killed / total:.0f}%)"
            if total
            else "no mutants"
        )
        if stale:
            print(f"{stale} stale mutant(s): update bench/mutation.py")
        return 0 if survived == 0 and stale == 0 else 1
    finally:
        shutil.rmtree(project.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
