"""The staged, set-based roster import.

1. Stream: read the file row by row, normalise each row in Python and append it to a temporary
   staging table (PostgreSQL: COPY through psycopg 3; SQLite: executemany), in chunks, outside the
   main transaction so the progress bar moves and memory stays flat.
2. Check: cross-row rules in SQL over the staging table (duplicate IDs, household conflicts,
   household sizes).
3. Diff: in SQL, against households, persons, statuses and the previous snapshot of the source.
4. Write (commit only, one transaction): INSERT ... SELECT / UPDATE ... FROM for households,
   persons, statuses, exits and snapshot membership, plus their simple-history rows, set-based.

Re-imports: a row whose fingerprint equals the one this source gave for that person last time
(imports.SnapshotMember.row_hash) is not normalised again; it is staged from the membership row and
still goes through the same SQL diff, so counts, warnings and exits come out as for a full read.

Both backends run the same SQL except for a few dialect helpers (null-safe comparison, id
allocation, bulk load, which indexes the staging tables get).
"""

import datetime as dt
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Task
from households import choices as c
from households.hooks import households_changed
from households.models import AssistanceStatus, Household, Person
from households.names import name_initials

from . import normalize as n
from .formats import FormatError, open_roster
from .models import ImportBatch, ImportRowError, SnapshotMember
from .sensitive import Sealer, sensitive_columns

log = logging.getLogger(__name__)

CHUNK = 5000
TEMP_BUFFERS = "256MB"
HEADER_SCAN_ROWS = 50
PREVIEW_LIMIT = 200
LOCK_WAIT_SECONDS = 120

STAGE = "imp_stage"
STATUS = "imp_status"
HH = "imp_hh"
END = "imp_end"
EXIT = "imp_exit"

REGISTRY_TABLES = (
    "households_person",
    "households_household",
    "households_assistancestatus",
    "imports_snapshotmember",
)

RAW = "imp_raw"
SAME = "imp_same"
# Columns the diff fills in, loaded with these defaults so a first import never rewrites the table.
EXTRA_STAGE_COLUMNS = [
    ("fp", "bigint"),
    ("clean", "boolean"),
    ("same", "boolean"),
    ("is_new", "boolean"),
    ("person_id", "bigint"),
    ("old_household_id", "bigint"),
    ("old_status", "text"),
    ("hh_id", "bigint"),
    ("pchanges", "text"),
    ("schanged", "boolean"),
    ("member", "boolean"),
    ("initials", "text"),  # pinyin initials of the name, for rows that were normalised
]
EXTRA_DEFAULTS = (True, None, None, None, None, "", False, False)
# The staging columns that the cross-row checks and the diff filter and join on: ANALYZE only these.
STAGE_PLAN_COLUMNS = (
    "row_no",
    "bad",
    "id_hash",
    "is_head",
    "hh_key",
    "head_hash",
    "same",
    "is_new",
    "person_id",
    "member",
    "pchanges",
    "schanged",
)
# Person fields a roster may set: staged NULL means "keep what the registry holds".
PERSON_FIELDS = ["name", "relation", "phone_masked", *c.CIRCUMSTANCE_FIELDS]
HOUSEHOLD_FIELDS = [  # (household column, staging column)
    ("community_id", "community_id"),
    ("address", "address"),
    ("housing", "housing"),
    ("safety_grade", "safety_grade"),
    ("size", "hh_size"),
    ("income_per_capita", "income"),
]


# Person fields whose before -> after the preview shows (household, status and statuses as labels).
PREVIEW_FIELDS = ["name", "relation", "phone_masked", *c.CIRCUMSTANCE_FIELDS]


def _shown(field: str, value) -> str:
    """A stored value as the page shows it: the choice's label, 是/否, or the text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or field == "special_family":
        return _("是") if value in (True, 1, "1", "t") else _("否")
    try:
        choices = dict(Person._meta.get_field(field).flatchoices)
    except Exception:  # noqa: BLE001 - not a model field
        choices = {}
    return str(choices.get(value, value))


def label_for(field: str) -> str:
    if field == "household":
        return _("所属家庭")
    if field == "status":
        return _("人员状态")
    if field == "statuses":
        return _("救助身份")
    if field == "phone_masked":
        return str(Person._meta.get_field("phone_masked").verbose_name)
    try:
        return str(Person._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001
        return field


@dataclass
class Summary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    exited: int = 0
    rejected: int = 0
    warnings: int = 0
    households_created: int = 0
    households_updated: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _row_list(rows: list[int], shown: int = 10) -> str:
    """Row numbers for a message: the first few, then how many in all."""
    listed = "、".join(str(r) for r in rows[:shown])
    if len(rows) > shown:
        listed += _(" 等，共 %(n)s 行") % {"n": len(rows)}
    return listed


def _join_raw(cells) -> tuple[str, bool]:
    """The row's original text for the error report, and whether it held a NUL character (left
    out: the database cannot store it)."""
    try:
        joined = n.RAW_SEPARATOR.join(cells)
    except TypeError:  # Excel cells: numbers, dates, None
        joined = n.RAW_SEPARATOR.join(n.raw_text(v) for v in cells)
    if "\x00" in joined:
        return joined.replace("\x00", ""), True
    return joined, False


def nul_message() -> str:
    return _("本行含有不可见的空字符（NUL），可能是从其他系统复制时带入的；请删除该行的异常字符后重新导入")


class _FastPathMiss(Exception):
    pass


class SourceBusy(Exception):
    """Another commit of the same source holds its lock for longer than LOCK_WAIT_SECONDS."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def source_lock_key(source: str) -> int:
    return int.from_bytes(hashlib.sha256(f"roster-import:{source}".encode()).digest()[:4], "big")


# --- dialect -----------------------------------------------------------------------------------


class Dialect:
    def __init__(self):
        self.vendor = connection.vendor
        self.pg = self.vendor == "postgresql"

    def ne(self, a: str, b: str) -> str:
        return f"({a} IS DISTINCT FROM {b})" if self.pg else f"({a} IS NOT {b})"

    def true(self) -> str:
        return "TRUE" if self.pg else "1"

    def false(self) -> str:
        return "FALSE" if self.pg else "0"

    def tune(self, cursor) -> None:
        """PostgreSQL keeps temporary tables in temp_buffers (8 MB by default): the staging table is
        updated several times, so give it room. Only possible before the session's first temp table."""
        if not self.pg:
            return
        try:
            with transaction.atomic():
                cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
        except DatabaseError:
            pass  # this connection already used a temporary table: keep its setting

    def create_temp(self, cursor, table: str, columns: list[tuple[str, str]]) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cols = ", ".join(f"{name} {kind}" for name, kind in columns)
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ({cols})")

    def load(self, cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.pg:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def allocate_ids(self, cursor, target: str, table: str, column: str, where: str) -> None:
        """Give new rows their final primary keys up front, so later steps can join on them."""
        if self.pg:
            cursor.execute(
                f"UPDATE {table} SET {column} = nextval(pg_get_serial_sequence(%s, 'id')) WHERE {where}",
                [target],
            )
            return
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {target}")
        base = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [target])
        row = cursor.fetchone()
        base = max(base, row[0] if row else 0)
        cursor.execute(
            f"WITH n AS (SELECT rowid AS rid, ROW_NUMBER() OVER (ORDER BY rowid) AS rn FROM {table} "
            f"WHERE {where}) UPDATE {table} SET {column} = %s + n.rn FROM n WHERE {table}.rowid = n.rid",
            [base],
        )

    def analyze(self, cursor, table: str, columns: tuple[str, ...] = ()) -> None:
        cursor.execute(f"ANALYZE {table} ({', '.join(columns)})" if columns else f"ANALYZE {table}")

    def value(self, v):
        """Adapt a Python value for a raw parameter (SQLite keeps dates and datetimes as text)."""
        if self.pg:
            return v
        if isinstance(v, dt.datetime):
            return connection.ops.adapt_datetimefield_value(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        return v


# --- the pipeline -------------------------------------------------------------------------------


class Pipeline:
    def __init__(
        self,
        *,
        batch: ImportBatch,
        path: str,
        commit: bool,
        user_id: int | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        fast: bool = True,
    ):
        self.fast = fast
        self.batch = batch
        self.path = path
        self.source = batch.source
        self.commit = commit
        self.user_id = user_id
        self.snapshot = batch.snapshot_date
        self.progress = progress or (lambda done, total, message: None)
        self.d = Dialect()
        self.summary = Summary()
        self.now = timezone.now()
        # The change reason of every history row the import writes (the record's 变更记录).
        self.reasons = {
            "+": (_("由名单导入批次 #%(id)s 创建") % {"id": batch.pk})[:100],
            "~": (_("由名单导入批次 #%(id)s 修改") % {"id": batch.pk})[:100],
        }
        self.header: n.Header | None = None
        self.sealer: Sealer | None = None
        self._issues: list[ImportRowError] = []
        self.affected_households: list[int] = []
        self.written_tables: list[str] = []

    # ---- public
    def run(self) -> Summary:
        try:
            return self._run()
        except _FastPathMiss:
            # The registry moved under a remembered row (e.g. its household was re-coded by hand):
            # read every row in full instead.
            log.info("import %s: fingerprints did not fit, re-reading every row", self.batch.pk)
            self.fast = False
            self.summary = Summary()
            self.header = None
            self._issues = []
            return self._run()

    def _run(self) -> Summary:
        started = time.monotonic()
        ImportRowError.objects.filter(batch=self.batch).delete()
        try:
            with connection.cursor() as cursor:
                self.cursor = cursor
                try:
                    self._create_tables()
                    self._stream()
                    self.progress(850, 1000, _("正在比对名单…"))
                    with transaction.atomic():
                        if self.d.pg and self.commit:
                            self._lock_source()
                        self._check()
                        self._diff()
                        self._name_warnings()
                        self._count()
                        self._preview()  # before the write: "before" values are the registry's
                        if self.commit:
                            self.progress(920, 1000, _("正在写入…"))
                            self._write()
                            self.written_tables = self._written_tables()
                            self._link_new_people()
                        self._flush_issues()
                        self._save_batch(time.monotonic() - started)
                finally:
                    self._drop_tables()
            if self.commit:
                self._analyze_registry()
        except FormatError as error:
            # An unreadable file has one reason; row messages gathered before it would mislead.
            self._issues = []
            ImportRowError.objects.filter(batch=self.batch).delete()
            ImportRowError.objects.create(
                batch=self.batch,
                row=error.row,
                severity=ImportRowError.Severity.ERROR,
                code=error.code,
                message=error.message[:500],
            )
            raise
        return self.summary

    def _lock_source(self):
        """Two commits of one source at once would each see the other's exits wrong: one waits for
        the other, but not forever (the lock is the transaction's, so it ends with its session)."""
        self.sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'")
        try:
            with transaction.atomic():
                self.sql("SELECT pg_advisory_xact_lock(%s)", [source_lock_key(self.source)])
        except OperationalError as error:
            raise SourceBusy(_("同一来源的另一批名单正在导入，本批次未写入任何数据，请稍后重试。")) from error
        self.sql("SET LOCAL lock_timeout = 0")

    # ---- SQL helpers
    def sql(self, statement: str, params=None):
        self.cursor.execute(statement, [self.d.value(p) for p in (params or [])])
        return self.cursor

    def scalar(self, statement: str, params=None):
        return self.sql(statement, params).fetchone()[0]

    def _create_tables(self):
        d, cur = self.d, self.cursor
        d.tune(cur)
        d.create_temp(cur, STAGE, n.STAGE_COLUMNS + EXTRA_STAGE_COLUMNS)
        d.create_temp(cur, RAW, [("row_no", "integer"), ("raw", "text")])
        d.create_temp(cur, SAME, [("row_no", "integer"), ("fp", "bigint")])
        d.create_temp(
            cur,
            STATUS,
            n.STATUS_COLUMNS
            + [
                ("person_id", "bigint"),
                ("match_id", "bigint"),
                ("is_new", "boolean"),
                ("changed", "boolean"),
            ],
        )
        d.create_temp(
            cur,
            HH,
            [
                ("hh_key", "text"),
                ("rep_row", "integer"),
                ("hh_code", "text"),
                ("head_hash", "text"),
                ("town_id", "bigint"),
                ("community_id", "bigint"),
                ("address", "text"),
                ("housing", "text"),
                ("safety_grade", "text"),
                ("hh_size", "integer"),
                ("income", "numeric"),
                ("household_id", "bigint"),
                ("is_new", "boolean"),
                ("changes", "text"),
            ],
        )
        d.create_temp(cur, END, [("status_id", "bigint"), ("person_id", "bigint")])
        d.create_temp(cur, EXIT, [("person_id", "bigint"), ("flag", "boolean")])

    def _drop_tables(self):
        for table in (STAGE, RAW, SAME, STATUS, HH, END, EXIT):
            try:
                self.cursor.execute(f"DROP TABLE IF EXISTS {table}")
            except Exception:  # noqa: BLE001 - a broken connection drops them anyway
                log.warning("could not drop %s", table, exc_info=True)

    def _index(self, table: str, *columns: str, always: bool = False) -> None:
        """SQLite joins through indexes; PostgreSQL hash-joins the staging tables, so it only gets
        the indexes that correlated lookups need (``always``)."""
        if self.d.pg and not always:
            return
        for column in columns:
            self.sql(f"CREATE INDEX {table}_{column} ON {table} ({column})")

    # ---- 1. stream
    def _issue(self, severity, row, issue: n.Issue, raw):
        values, sealed = self.sealer.protect(raw) if self.sealer else (raw, "")
        self._issues.append(
            ImportRowError(
                batch=self.batch,
                row=row,
                severity=severity,
                code=issue.code,
                field=issue.field,
                message=issue.message[:500],
                values=values,
                sealed=sealed,
            )
        )
        if severity == ImportRowError.Severity.WARNING:
            self.summary.warnings += 1

    def _flush_issues(self):
        if self._issues:
            ImportRowError.objects.bulk_create(self._issues, batch_size=1000)
            self._issues = []

    def _stream(self):
        stage_cols = [name for name, _kind in n.STAGE_COLUMNS + EXTRA_STAGE_COLUMNS]
        status_cols = [name for name, _kind in n.STATUS_COLUMNS] + ["is_new"]
        stage_rows: list[tuple] = []
        raw_rows: list[tuple] = []
        status_rows: list[tuple] = []
        same_rows: list[tuple] = []
        known = self._known_fingerprints() if self.fast else set()
        self.same_count = 0
        with open_roster(self.path, self.batch.file_name) as reader:
            self.batch.file_format = reader.kind
            self.batch.encoding = getattr(reader, "encoding", "")
            rows = reader.rows()
            for row_no, cells in rows:
                if _join_raw(cells)[1]:  # a NUL in a title or header cell: the database cannot store it
                    cells = [v.replace("\x00", "") if isinstance(v, str) else v for v in cells]
                self.header = n.match_header(row_no, cells)
                if self.header is not None or row_no >= HEADER_SCAN_ROWS:
                    break
            if self.header is None:
                raise FormatError(
                    "no_header",
                    _(
                        "找不到表头行：前 %(n)s 行中没有同时包含“姓名”和“公民身份号码”（或“身份证号码”）的行。"
                        "请确认上传的是人员名单。"
                    )
                    % {"n": HEADER_SCAN_ROWS},
                )
            header = self.header
            self.sealer = Sealer(sensitive_columns(header.columns))
            for column in header.unknown:
                self._issue(
                    ImportRowError.Severity.WARNING,
                    header.row,
                    n.Issue("unknown_column", "", _("未识别的列“%(name)s”，已忽略") % {"name": column}),
                    [],
                )
            normalizer = n.RowNormalizer(header, n.Places(), today=self.snapshot)
            error = ImportRowError.Severity.ERROR
            warning = ImportRowError.Severity.WARNING
            for row_no, cells in rows:
                if normalizer.is_blank_or_total(cells):
                    continue
                self.summary.rows += 1
                raw, nul = _join_raw(cells)
                if nul:  # PostgreSQL text cannot hold NUL: the row is rejected, the file goes on
                    cells = [v.replace("\x00", "") if isinstance(v, str) else v for v in cells]
                fp = normalizer.fingerprint(cells)
                if fp in known and not nul:
                    # Byte-for-byte the row this source gave last time: no need to normalise it again.
                    same_rows.append((row_no, fp))
                    raw_rows.append((row_no, raw))
                else:
                    result = normalizer.normalize(cells)
                    if nul:
                        result.errors.append(n.Issue("invalid_character", "", nul_message()))
                        result.stage = (result.stage[0], True, *result.stage[2:])
                    for issue in result.errors:
                        self._issue(error, row_no, issue, result.raw)
                    for issue in result.warnings:
                        self._issue(warning, row_no, issue, result.raw)
                    clean = not result.errors and not result.warnings
                    stage = result.stage
                    initials = None if stage[1] else name_initials(stage[8])  # stage[1]: bad, [8]: name
                    stage_rows.append((row_no, *stage[1:], fp, clean, False, *EXTRA_DEFAULTS, initials))
                    raw_rows.append((row_no, raw))
                    for kind, detail, start in result.statuses:
                        status_rows.append((row_no, kind, detail, start.isoformat() if start else None, True))
                if len(raw_rows) >= CHUNK:  # one entry per row read: the buffers never outgrow a chunk
                    self._load(stage_cols, stage_rows, raw_rows, status_cols, status_rows, same_rows)
                    stage_rows, raw_rows, status_rows, same_rows = [], [], [], []
                    self.progress(
                        int(800 * reader.progress), 1000, _("已读取 %(n)s 行") % {"n": self.summary.rows}
                    )
            self._load(stage_cols, stage_rows, raw_rows, status_cols, status_rows, same_rows)
        self.progress(800, 1000, _("已读取 %(n)s 行") % {"n": self.summary.rows})

    def _known_fingerprints(self) -> set[int]:
        known: set[int] = set()
        table = SnapshotMember._meta.db_table
        self.sql(f"SELECT row_hash FROM {table} WHERE source = %s AND row_hash IS NOT NULL", [self.source])
        while rows := self.cursor.fetchmany(50000):
            known.update(row[0] for row in rows)
        return known

    def _load(self, stage_cols, stage_rows, raw_rows, status_cols, status_rows, same_rows):
        self.d.load(self.cursor, STAGE, stage_cols, stage_rows)
        self.d.load(self.cursor, RAW, ["row_no", "raw"], raw_rows)
        self.d.load(self.cursor, STATUS, status_cols, status_rows)
        self.d.load(self.cursor, SAME, ["row_no", "fp"], same_rows)
        self.same_count += len(same_rows)
        self._flush_issues()

    # ---- 2. cross-row checks
    def _raws(self, numbers: list[int]) -> dict[int, list[str]]:
        raws = {}
        for start in range(0, len(numbers), 500):
            part = numbers[start : start + 500]
            marks = ", ".join(["%s"] * len(part))
            for row_no, raw in self.sql(f"SELECT row_no, raw FROM {RAW} WHERE row_no IN ({marks})", part):
                raws[row_no] = (raw or "").split(n.RAW_SEPARATOR)
        return raws

    def _reject(self, rejections: dict[int, tuple[str, str, str]]):
        """rejections: row_no -> (code, field, message). Marks the rows bad and records why."""
        if not rejections:
            return
        numbers = sorted(rejections)
        for start in range(0, len(numbers), 500):
            part = numbers[start : start + 500]
            marks = ", ".join(["%s"] * len(part))
            self.sql(f"UPDATE {STAGE} SET bad = {self.d.true()} WHERE row_no IN ({marks})", part)
            raws = self._raws(part)
            for row_no in part:
                code, field, message = rejections[row_no]
                self._issue(
                    ImportRowError.Severity.ERROR, row_no, n.Issue(code, field, message), raws.get(row_no, [])
                )
            self._flush_issues()  # a file of rejected rows must not hold them all in memory

    def _stale(self, table: str) -> bool:
        row = self.sql(
            "SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = %s",
            [table],
        ).fetchone()
        return bool(row) and row[0] > 0.2 * max(row[1], 1000)

    def _written_tables(self) -> list[str]:
        """Registry tables this transaction changed by more than a fifth (same rule as _stale)."""
        if not self.d.pg:
            return []
        marks = ", ".join(["%s"] * len(REGISTRY_TABLES))
        return [
            table
            for table, changed, rows in self.sql(
                "SELECT s.relname, s.n_tup_ins + s.n_tup_upd + s.n_tup_del, c.reltuples "
                f"FROM pg_stat_xact_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname IN ({marks})",
                list(REGISTRY_TABLES),
            ).fetchall()
            if changed > 0.2 * max(rows, 1000)
        ]

    def _analyze_registry(self) -> None:
        """After a commit that changed much of a table: the next import plans its joins on fresh
        statistics. Small changes are left to autovacuum (and _check catches stale tables)."""
        if not self.d.pg or not self.written_tables:
            return
        try:
            with connection.cursor() as cursor:
                for table in self.written_tables:
                    cursor.execute(f"ANALYZE {table}")
        except DatabaseError:
            log.warning("ANALYZE after import %s failed", self.batch.pk, exc_info=True)

    def _stage_same_rows(self):
        """Unchanged rows take their identity and household key from the snapshot membership."""
        if not self.same_count:
            return
        d = self.d
        cursor = self.sql(
            f"INSERT INTO {STAGE} (row_no, bad, id_hash, id_masked, name, is_head, hh_key, hh_code, head_hash, "
            f"hh_size, fp, clean, same, is_new, pchanges, schanged, member, person_id, old_household_id, "
            f"old_status) SELECT r.row_no, {d.false()}, p.id_hash, p.id_masked, p.name, m.is_head, m.hh_key, "
            f"CASE WHEN substr(m.hh_key, 1, 2) = 'C:' THEN substr(m.hh_key, 3) END, NULLIF(m.head_hash, ''), "
            f"m.hh_size, r.fp, {d.true()}, {d.true()}, {d.false()}, '', {d.false()}, {d.true()}, p.id, "
            f"p.household_id, p.status "
            f"FROM {SAME} r JOIN imports_snapshotmember m ON m.source = %s AND m.row_hash = r.fp "
            f"JOIN households_person p ON p.id = m.person_id",
            [self.source],
        )
        if cursor.rowcount != self.same_count:
            raise _FastPathMiss

    def _check(self):
        d = self.d
        self._stage_same_rows()
        self._index(STAGE, "row_no", "id_hash", "hh_key", "head_hash")
        self._index(RAW, "row_no")
        self._index(STATUS, "row_no")
        if d.pg:
            d.analyze(self.cursor, STAGE, STAGE_PLAN_COLUMNS)
            d.analyze(self.cursor, STATUS)
            # Plans over the registry need row counts that are roughly right; a commit refreshes them
            # (see _run), so this only fires after large changes made some other way.
            for table in REGISTRY_TABLES:
                if self._stale(table):
                    d.analyze(self.cursor, table)

        # Duplicate ID numbers: every row of the ID is rejected.
        groups = defaultdict(list)
        for id_hash, row_no in self.sql(
            f"SELECT id_hash, row_no FROM {STAGE} WHERE id_hash IN (SELECT id_hash FROM {STAGE} "
            f"WHERE id_hash IS NOT NULL GROUP BY id_hash HAVING COUNT(*) > 1) ORDER BY row_no"
        ).fetchall():
            groups[id_hash].append(row_no)
        rejections = {}
        for rows in groups.values():
            listed = _row_list(rows)
            for row_no in rows:
                rejections[row_no] = (
                    "duplicate_in_file",
                    "id_number",
                    _("同一身份证号码在文件中出现多次（第 %(rows)s 行），这些行都未导入") % {"rows": listed},
                )
        self._reject(rejections)

        # One household key with two heads: the whole household is rejected.
        two_heads = (
            f"SELECT hh_key FROM {STAGE} WHERE NOT bad AND is_head GROUP BY hh_key HAVING COUNT(*) > 1"
        )
        heads = defaultdict(list)
        for hh_key, row_no in self.sql(
            f"SELECT hh_key, row_no FROM {STAGE} WHERE NOT bad AND is_head AND hh_key IN ({two_heads}) "
            f"ORDER BY row_no"
        ).fetchall():
            heads[hh_key].append(row_no)
        rejections = {}
        if heads:
            for hh_key, row_no in self.sql(
                f"SELECT hh_key, row_no FROM {STAGE} WHERE NOT bad AND hh_key IN ({two_heads})"
            ).fetchall():
                rejections[row_no] = (
                    "household_conflict",
                    "relation",
                    _("同一户有两名以上户主（第 %(rows)s 行），该户所有成员都未导入")
                    % {"rows": _row_list(heads[hh_key])},
                )
        # A member whose head (by ID) heads another household in the file, or whose household code
        # has a head with another ID.
        for r_row, h_row, same_key in self.sql(
            f"SELECT r.row_no, h.row_no, 0 FROM {STAGE} r JOIN {STAGE} h ON h.id_hash = r.head_hash "
            f"WHERE NOT r.bad AND NOT r.is_head AND NOT h.bad AND h.is_head AND h.hh_key <> r.hh_key "
            f"UNION ALL "
            f"SELECT r.row_no, h.row_no, 1 FROM {STAGE} r JOIN {STAGE} h ON h.hh_key = r.hh_key "
            f"WHERE NOT r.bad AND NOT r.is_head AND r.head_hash IS NOT NULL AND NOT h.bad AND h.is_head "
            f"AND h.id_hash <> r.head_hash"
        ).fetchall():
            if same_key:
                message = _("本户户主（第 %(head)s 行）与本行填写的户主身份证号码不一致") % {"head": h_row}
            else:
                message = _("本行填写的户主（第 %(head)s 行）登记为另一户的户主") % {"head": h_row}
                rejections.setdefault(
                    h_row,
                    (
                        "household_conflict",
                        "relation",
                        _("本人同时是两户的户主（另见第 %(row)s 行）") % {"row": r_row},
                    ),
                )
            rejections.setdefault(r_row, ("household_conflict", "head_id_number", message))
        self._reject(rejections)
        self.sql(f"DELETE FROM {STATUS} WHERE row_no IN (SELECT row_no FROM {STAGE} WHERE bad)")

        # One row per household: the head's, else the first member's.
        self.sql(
            f"INSERT INTO {HH} (hh_key, rep_row, hh_code, head_hash, town_id, community_id, address, housing, "
            f"safety_grade, hh_size, income) SELECT hh_key, row_no, hh_code, head_hash, town_id, community_id, "
            f"address, housing, safety_grade, hh_size, income FROM (SELECT s.*, ROW_NUMBER() OVER "
            f"(PARTITION BY hh_key ORDER BY is_head DESC, row_no) AS rn FROM {STAGE} s WHERE NOT bad) x "
            f"WHERE rn = 1"
        )
        self._index(HH, "hh_key", always=True)
        mismatches = self.sql(
            f"SELECT hh.rep_row, hh.hh_size, g.n FROM {HH} hh JOIN "
            f"(SELECT hh_key, COUNT(*) AS n FROM {STAGE} GROUP BY hh_key) g ON g.hh_key = hh.hh_key "
            f"WHERE hh.hh_size IS NOT NULL AND hh.hh_size <> g.n"
        ).fetchall()
        raws = self._raws([row for row, _size, _count in mismatches])
        for row_no, size, count in mismatches:
            self._issue(
                ImportRowError.Severity.WARNING,
                row_no,
                n.Issue(
                    "household_size_mismatch",
                    "household_size",
                    _("家庭人口数填写为 %(size)s，但文件中该户有 %(count)s 行")
                    % {"size": size, "count": count},
                ),
                raws.get(row_no, []),
            )

    # ---- 3. diff
    def _diff(self):
        d = self.d
        # Households: by provincial code, else by the head's current household.
        self.sql(
            f"UPDATE {HH} SET household_id = h.id FROM households_household h "
            f"WHERE {HH}.hh_code IS NOT NULL AND h.code = {HH}.hh_code"
        )
        self.sql(
            f"UPDATE {HH} SET household_id = p.household_id FROM households_person p "
            f"JOIN households_household h ON h.id = p.household_id "
            f"WHERE {HH}.household_id IS NULL AND {HH}.head_hash IS NOT NULL AND p.id_hash = {HH}.head_hash "
            f"AND ({HH}.hh_code IS NULL OR h.code IS NULL)"
        )
        self.sql(f"UPDATE {HH} SET is_new = (household_id IS NULL), changes = ''")
        if self.same_count and self.scalar(
            f"SELECT COUNT(*) FROM {HH} WHERE is_new AND community_id IS NULL"
        ):
            raise _FastPathMiss
        parts = [
            f"CASE WHEN {HH}.{staged} IS NOT NULL AND {d.ne(f'{HH}.{staged}', f'h.{column}')} "
            f"THEN '{column},' ELSE '' END"
            for column, staged in HOUSEHOLD_FIELDS
        ]
        parts.append(f"CASE WHEN {HH}.hh_code IS NOT NULL AND h.code IS NULL THEN 'code,' ELSE '' END")
        self.sql(
            f"UPDATE {HH} SET changes = {' || '.join(parts)} FROM households_household h "
            f"WHERE h.id = {HH}.household_id"
        )

        # Persons already registered: one pass fills in who they are and what changed. New people
        # keep the defaults they were loaded with, so a first import does not rewrite the table.
        changes = [
            f"CASE WHEN s.{f} IS NOT NULL AND {d.ne(f's.{f}', f'p.{f}')} THEN '{f},' ELSE '' END"
            for f in PERSON_FIELDS
        ]
        moved = "CASE WHEN hh.household_id IS NULL OR hh.household_id <> {old} THEN 'household,' ELSE '' END"
        returned = f"CASE WHEN {{status}} = '{c.PersonStatus.EXITED}' THEN 'status,' ELSE '' END"
        changes.append(moved.format(old="p.household_id"))
        changes.append(returned.format(status="p.status"))
        known_people = self.sql(
            f"UPDATE {STAGE} SET person_id = x.pid, old_household_id = x.phh, old_status = x.pstatus, "
            f"is_new = {d.false()}, member = x.member, hh_id = x.hh_id, pchanges = x.changes FROM "
            f"(SELECT s.row_no, p.id AS pid, p.household_id AS phh, p.status AS pstatus, hh.household_id AS hh_id, "
            f"(m.id IS NOT NULL) AS member, CASE WHEN s.bad THEN '' ELSE {' || '.join(changes)} END AS changes "
            f"FROM {STAGE} s JOIN households_person p ON p.id_hash = s.id_hash "
            f"LEFT JOIN {HH} hh ON hh.hh_key = s.hh_key "
            f"LEFT JOIN imports_snapshotmember m ON m.source = %s AND m.person_id = p.id WHERE NOT s.same) x "
            f"WHERE x.row_no = {STAGE}.row_no",
            [self.source],
        ).rowcount
        if self.same_count:
            # Unchanged rows were staged with who they are; only a move or a return can change them
            # (the registry moved since, or another source's snapshot exited them). Touch just those.
            self.sql(
                f"UPDATE {STAGE} SET hh_id = x.hh_id, pchanges = x.changes FROM (SELECT s.row_no, "
                f"hh.household_id AS hh_id, {moved.format(old='s.old_household_id')} || "
                f"{returned.format(status='s.old_status')} AS changes FROM {STAGE} s "
                f"LEFT JOIN {HH} hh ON hh.hh_key = s.hh_key WHERE s.same AND NOT s.bad AND "
                f"(hh.household_id IS NULL OR hh.household_id <> s.old_household_id OR s.old_status = %s)) x "
                f"WHERE x.row_no = {STAGE}.row_no",
                [c.PersonStatus.EXITED],
            )
        # Always indexed: the snapshot update in _write joins the membership rows this transaction
        # just inserted (which the planner cannot count) to the staging table; without an index that
        # is a nested loop scanning the staging table once per member (a second source's first
        # import of 10k people took 137 s there instead of well under one).
        self._index(STAGE, "person_id", always=True)
        if d.pg and (known_people or self.same_count):  # else the statistics have not moved
            d.analyze(self.cursor, STAGE, STAGE_PLAN_COLUMNS)

        # Statuses from this source: new, changed (detail or start date), ended.
        self.sql(
            f"UPDATE {STATUS} SET person_id = s.person_id FROM {STAGE} s "
            f"WHERE s.row_no = {STATUS}.row_no AND s.person_id IS NOT NULL"
        )
        open_status = "a.source = %s AND (a.end_date IS NULL OR a.end_date > %s)"
        self.sql(
            f"UPDATE {STATUS} SET match_id = a.id, is_new = {d.false()}, changed = ("
            f"{d.ne(f'{STATUS}.detail', 'a.detail')} OR "
            f"({STATUS}.start_date IS NOT NULL AND {d.ne(f'{STATUS}.start_date', 'a.start_date')})) "
            f"FROM households_assistancestatus a WHERE a.person_id = {STATUS}.person_id "
            f"AND a.kind = {STATUS}.kind AND {open_status}",
            [self.source, self.snapshot],
        )
        self.sql(
            f"INSERT INTO {END} (status_id, person_id) SELECT a.id, a.person_id "
            f"FROM households_assistancestatus a JOIN {STAGE} s ON s.person_id = a.person_id AND NOT s.bad "
            f"AND NOT s.same WHERE {open_status} AND NOT EXISTS (SELECT 1 FROM {STATUS} t "
            f"WHERE t.person_id = a.person_id AND t.kind = a.kind)",
            [self.source, self.snapshot],
        )
        self.sql(
            f"UPDATE {STAGE} SET schanged = {d.true()} WHERE NOT bad AND NOT is_new AND ("
            f"row_no IN (SELECT row_no FROM {STATUS} WHERE is_new OR changed) OR "
            f"person_id IN (SELECT person_id FROM {END}))"
        )

        # Exits: in the previous snapshot of this source, absent from this file.
        self.sql(
            f"INSERT INTO {EXIT} (person_id, flag) SELECT m.person_id, (p.status = %s) "
            f"FROM imports_snapshotmember m JOIN households_person p ON p.id = m.person_id "
            f"WHERE m.source = %s AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.person_id = m.person_id)",
            [c.PersonStatus.ACTIVE, self.source],
        )
        self.sql(
            f"INSERT INTO {END} (status_id, person_id) SELECT a.id, a.person_id "
            f"FROM households_assistancestatus a JOIN {EXIT} e ON e.person_id = a.person_id WHERE {open_status}",
            [self.source, self.snapshot],
        )

    def _count(self):
        s = self.summary
        for bad, is_new, changed, count in self.sql(
            f"SELECT bad, is_new, (pchanges <> '' OR schanged), COUNT(*) FROM {STAGE} "
            f"GROUP BY bad, is_new, (pchanges <> '' OR schanged)"
        ).fetchall():
            if bad:
                s.rejected += count
            elif is_new:
                s.created += count
            elif changed:
                s.updated += count
            else:
                s.unchanged += count
        s.exited = self.scalar(f"SELECT COUNT(*) FROM {EXIT}")
        s.households_created = self.scalar(f"SELECT COUNT(*) FROM {HH} WHERE is_new")
        s.households_updated = self.scalar(f"SELECT COUNT(*) FROM {HH} WHERE NOT is_new AND changes <> ''")

    def _preview(self):
        preview = {
            "new": [
                {"row": r, "name": name, "id": masked}
                for r, name, masked in self.sql(
                    f"SELECT row_no, name, id_masked FROM {STAGE} WHERE NOT bad AND is_new ORDER BY row_no "
                    f"LIMIT {PREVIEW_LIMIT}"
                ).fetchall()
            ],
            "changed": self._changed_preview(),
            "exited": [
                {"person": pk, "name": name, "id": masked}
                for pk, name, masked in self.sql(
                    f"SELECT p.id, p.name, p.id_masked FROM households_person p JOIN {EXIT} e "
                    f"ON e.person_id = p.id ORDER BY p.id LIMIT {PREVIEW_LIMIT}"
                ).fetchall()
            ],
        }
        self.batch.preview = preview

    def _changed_preview(self) -> list[dict]:
        """Changed people with each changed field as label, before and after (registry vs file)."""
        before = ", ".join(f"p.{f}" for f in PREVIEW_FIELDS)
        after = ", ".join(f"s.{f}" for f in PREVIEW_FIELDS)
        changed = []
        for row in self.sql(
            f"SELECT s.row_no, s.name, s.id_masked, s.pchanges, s.schanged, p.id, {before}, {after} "
            f"FROM {STAGE} s JOIN households_person p ON p.id = s.person_id WHERE NOT s.bad AND NOT s.is_new "
            f"AND (s.pchanges <> '' OR s.schanged) ORDER BY s.row_no LIMIT {PREVIEW_LIMIT}"
        ).fetchall():
            row_no, name, masked, changes, schanged, pk = row[:6]
            old = dict(zip(PREVIEW_FIELDS, row[6 : 6 + len(PREVIEW_FIELDS)], strict=True))
            new = dict(zip(PREVIEW_FIELDS, row[6 + len(PREVIEW_FIELDS) :], strict=True))
            fields = [f for f in (changes or "").split(",") if f] + (["statuses"] if schanged else [])
            changed.append(
                {
                    "row": row_no,
                    "name": name,
                    "id": masked,
                    "person": pk,
                    "fields": [label_for(f) for f in fields],
                    "changes": [
                        {
                            "field": label_for(f),
                            "before": _shown(f, old.get(f)),
                            "after": _shown(f, new.get(f)),
                        }
                        for f in fields
                        if f in PREVIEW_FIELDS
                    ],
                    # 所属家庭, 人员状态, 救助身份: named, their values are records, not text
                    "other_fields": [label_for(f) for f in fields if f not in PREVIEW_FIELDS],
                }
            )
        return changed

    def _link_new_people(self):
        """After the write, the new people of the preview get their record ids (links on the page)."""
        rows = [entry["row"] for entry in self.batch.preview.get("new", [])]
        if not rows:
            return
        marks = ", ".join(["%s"] * len(rows))
        ids = dict(
            self.sql(
                f"SELECT s.row_no, p.id FROM {STAGE} s JOIN households_person p ON p.id_hash = s.id_hash "
                f"WHERE s.row_no IN ({marks})",
                rows,
            ).fetchall()
        )
        for entry in self.batch.preview["new"]:
            entry["person"] = ids.get(entry["row"])

    def _name_warnings(self):
        """A known ID number whose name differs: most often a wrong ID typed on the row."""
        rows = self.sql(
            f"SELECT s.row_no, p.name, s.name FROM {STAGE} s JOIN households_person p ON p.id = s.person_id "
            f"WHERE NOT s.bad AND NOT s.is_new AND s.pchanges LIKE %s ORDER BY s.row_no",
            ["%name,%"],
        ).fetchall()
        raws = self._raws([r[0] for r in rows])
        for row_no, before, after in rows:
            self._issue(
                ImportRowError.Severity.WARNING,
                row_no,
                n.Issue(
                    "name_changed",
                    "name",
                    _(
                        "身份证号码已在册，但在册姓名为“%(before)s”，本行为“%(after)s”：请核对身份证号码是否填错；"
                        "确认导入将把姓名改为“%(after)s”"
                    )
                    % {"before": before, "after": after},
                ),
                raws.get(row_no, []),
            )
        self._flush_issues()

    # ---- 4. write
    def _history(self, model, source_sql: str, history_type: str, params=None):
        """simple-history rows, set-based: ``source_sql`` continues ``FROM <model table> t``."""
        insert, extra = self._history_insert(model, history_type)
        self.sql(f"{insert} FROM {model._meta.db_table} t {source_sql}", extra + list(params or []))

    def _history_insert(self, model, history_type: str) -> tuple[str, list]:
        """``INSERT INTO <history table> (...) SELECT ...`` over rows of the model aliased ``t`` (the
        caller adds the FROM clause), and its parameters."""
        history = model.history.model
        columns, values, extra = [], [], []
        for f in history._meta.concrete_fields:
            if f.name == "history_id":
                continue
            columns.append(f.column)
            if f.name == "history_date":
                values.append("%s")
                extra.append(self.now)
            elif f.name == "history_change_reason":
                values.append("%s")
                extra.append(self.reasons.get(history_type, self.reasons["~"]))
            elif f.name == "history_type":
                values.append("%s")
                extra.append(history_type)
            elif f.name == "history_user":
                values.append("%s")
                extra.append(self.user_id)
            else:
                values.append(f"t.{f.column}")
        return (
            f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)}",
            extra,
        )

    def _write(self):
        """PostgreSQL writes each new record and its history row in one statement (a data-modifying
        WITH: the history is made from what the INSERT returned, with no second look at the table),
        and new people with their statuses, snapshot membership and both history rows in one more.
        SQLite runs the same steps one statement at a time."""
        d, now = self.d, self.now
        new_people = f"JOIN {STAGE} s ON s.id_hash = t.id_hash WHERE s.is_new AND NOT s.bad"

        # Households.
        d.allocate_ids(self.cursor, "households_household", HH, "household_id", "household_id IS NULL")
        insert_households = (
            "INSERT INTO households_household (id, code, town_id, community_id, address, housing, safety_grade, "
            "size, income_per_capita, zero_employment, status, note, created_at, updated_at) "
            f"SELECT household_id, hh_code, town_id, community_id, COALESCE(address, ''), COALESCE(housing, ''), "
            f"COALESCE(safety_grade, ''), hh_size, income, {d.false()}, %s, '', %s, %s FROM {HH} WHERE is_new"
        )
        params = [c.RecordStatus.ACTIVE, now, now]
        if d.pg:
            history, extra = self._history_insert(Household, "+")
            self.sql(f"WITH t AS ({insert_households} RETURNING *) {history} FROM t", params + extra)
        else:
            self.sql(insert_households, params)
            self._history(Household, f"JOIN {HH} x ON x.household_id = t.id WHERE x.is_new", "+")
        # Where changed households were: a household moved to another community leaves counts behind.
        self.old_communities = [
            r[0]
            for r in self.sql(
                f"SELECT DISTINCT h.community_id FROM households_household h JOIN {HH} ON {HH}.household_id = h.id "
                f"WHERE NOT {HH}.is_new AND {HH}.changes <> ''"
            ).fetchall()
        ]
        sets = ", ".join(
            f"{column} = COALESCE({HH}.{staged}, households_household.{column})"
            for column, staged in HOUSEHOLD_FIELDS
        )
        self.sql(
            f"UPDATE households_household SET {sets}, "
            f"town_id = COALESCE({HH}.town_id, households_household.town_id), "
            f"code = COALESCE(households_household.code, {HH}.hh_code), updated_at = %s FROM {HH} "
            f"WHERE households_household.id = {HH}.household_id AND NOT {HH}.is_new AND {HH}.changes <> ''",
            [now],
        )
        self._history(
            Household, f"JOIN {HH} x ON x.household_id = t.id WHERE NOT x.is_new AND x.changes <> ''", "~"
        )

        # Persons: new ones get their household through the household key.
        optional = [f for f in c.CIRCUMSTANCE_FIELDS if f not in ("disability_grade", "special_family")]
        insert_people = (
            "INSERT INTO households_person (household_id, town_id, community_id, name, name_initials, id_hash, "
            "id_encrypted, id_masked, id_tail, sex, birth_date, relation, phone_encrypted, phone_masked, "
            f"disability_grade, special_family, {', '.join(optional)}, status, needs_review, created_at, "
            "updated_at) "
            "SELECT hh.household_id, h.town_id, h.community_id, s.name, s.initials, s.id_hash, s.id_enc, "
            "s.id_masked, s.id_tail, s.sex, "
            "s.birth_date, s.relation, COALESCE(s.phone_enc, ''), COALESCE(s.phone_masked, ''), "
            f"s.disability_grade, COALESCE(s.special_family, {d.false()}), "
            f"{', '.join(f'COALESCE(s.{f}, {chr(39)}{chr(39)})' for f in optional)}, %s, {d.false()}, %s, %s "
            f"FROM {STAGE} s JOIN {HH} hh ON hh.hh_key = s.hh_key "
            "JOIN households_household h ON h.id = hh.household_id WHERE s.is_new AND NOT s.bad"
        )
        params = [c.PersonStatus.ACTIVE, now, now]
        row_hash = "CASE WHEN s.clean THEN s.fp END"
        insert_members = (
            "INSERT INTO imports_snapshotmember (source, person_id, batch_id, row_hash, hh_key, head_hash, "
            f"is_head, hh_size) SELECT %s, p.id, %s, {row_hash}, s.hh_key, COALESCE(s.head_hash, ''), s.is_head, "
            "s.hh_size"
        )
        members = [self.source, self.batch.pk]
        insert_statuses = (
            "INSERT INTO households_assistancestatus (person_id, kind, detail, source, start_date, end_date, "
            "created_at) SELECT p.id, x.kind, COALESCE(x.detail, ''), %s, x.start_date, NULL, %s"
        )
        statuses = [self.source, now]
        if d.pg:
            # The new people, their history, snapshot membership, statuses and the statuses' history.
            person_history, person_extra = self._history_insert(Person, "+")
            status_history, status_extra = self._history_insert(AssistanceStatus, "+")
            staged = f"p JOIN {STAGE} s ON s.id_hash = p.id_hash AND NOT s.bad"
            self.sql(
                f"WITH p AS ({insert_people} RETURNING *), "
                f"h AS ({person_history} FROM p t), "
                f"m AS ({insert_members} FROM {staged}), "
                f"a AS ({insert_statuses} FROM {staged} JOIN {STATUS} x ON x.row_no = s.row_no RETURNING *) "
                f"{status_history} FROM a t",
                params + person_extra + members + statuses + status_extra,
            )
        else:
            self.sql(insert_people, params)
            self._history(Person, new_people, "+")
        sets = [f"{f} = COALESCE({STAGE}.{f}, households_person.{f})" for f in PERSON_FIELDS]
        sets += [
            f"name_initials = CASE WHEN {STAGE}.pchanges LIKE '%%name,%%' THEN {STAGE}.initials "
            "ELSE households_person.name_initials END",
            f"phone_encrypted = CASE WHEN {STAGE}.phone_masked IS NOT NULL AND "
            f"{d.ne(f'{STAGE}.phone_masked', 'households_person.phone_masked')} "
            f"THEN {STAGE}.phone_enc ELSE households_person.phone_encrypted END",
            f"household_id = COALESCE({STAGE}.hh_id, (SELECT household_id FROM {HH} hh "
            f"WHERE hh.hh_key = {STAGE}.hh_key))",
            f"status = CASE WHEN households_person.status = '{c.PersonStatus.EXITED}' "
            f"THEN '{c.PersonStatus.ACTIVE}' ELSE households_person.status END",
            "updated_at = %s",
        ]
        changed_people = f"NOT {STAGE}.bad AND NOT {STAGE}.is_new AND {STAGE}.pchanges <> ''"
        self.sql(
            f"UPDATE households_person SET {', '.join(sets)} FROM {STAGE} "
            f"WHERE households_person.id = {STAGE}.person_id AND {changed_people}",
            [now],
        )
        self._history(Person, f"JOIN {STAGE} ON {STAGE}.person_id = t.id WHERE {changed_people}", "~")
        # People carry their household's town and community: moved people, moved households.
        self.sql(
            "UPDATE households_person SET town_id = h.town_id, community_id = h.community_id "
            "FROM households_household h WHERE h.id = households_person.household_id AND ("
            f"households_person.id IN (SELECT person_id FROM {STAGE} WHERE {changed_people.replace(STAGE + '.', '')}) "
            f"OR households_person.household_id IN (SELECT household_id FROM {HH} WHERE NOT is_new "
            "AND changes <> '')) AND (households_person.town_id <> h.town_id "
            "OR households_person.community_id <> h.community_id)"
        )
        # So do their tasks (core.models.tasks_follow_households, set-based): task lists scope by them.
        task = Task._meta.db_table
        self.sql(
            f"UPDATE {task} SET town_id = h.town_id, community_id = h.community_id "
            f"FROM households_household h WHERE h.id = {task}.household_id AND {task}.household_id IN "
            f"(SELECT household_id FROM {HH} WHERE NOT is_new AND changes <> '') "
            f"AND ({task}.town_id <> h.town_id OR {task}.community_id <> h.community_id)"
        )

        # Statuses (on PostgreSQL, new people's are already written).
        if d.pg:
            self.sql(
                f"WITH t AS ({insert_statuses} FROM {STATUS} x JOIN households_person p ON p.id = x.person_id "
                f"WHERE x.is_new RETURNING *) {status_history} FROM t",
                statuses + status_extra,
            )
        else:
            self.sql(
                f"UPDATE {STATUS} SET person_id = p.id FROM {STAGE} s JOIN households_person p "
                f"ON p.id_hash = s.id_hash WHERE s.row_no = {STATUS}.row_no AND s.is_new "
                f"AND {STATUS}.person_id IS NULL"
            )
            d.allocate_ids(self.cursor, "households_assistancestatus", STATUS, "match_id", "is_new")
            self.sql(
                "INSERT INTO households_assistancestatus (id, person_id, kind, detail, source, start_date, "
                f"end_date, created_at) SELECT match_id, person_id, kind, COALESCE(detail, ''), %s, start_date, "
                f"NULL, %s FROM {STATUS} WHERE is_new",
                statuses,
            )
            self._history(AssistanceStatus, f"JOIN {STATUS} x ON x.match_id = t.id WHERE x.is_new", "+")
        self.sql(
            f"UPDATE households_assistancestatus SET detail = COALESCE({STATUS}.detail, ''), "
            f"start_date = COALESCE({STATUS}.start_date, households_assistancestatus.start_date) FROM {STATUS} "
            f"WHERE households_assistancestatus.id = {STATUS}.match_id AND {STATUS}.changed AND NOT {STATUS}.is_new"
        )
        self._history(
            AssistanceStatus, f"JOIN {STATUS} x ON x.match_id = t.id WHERE x.changed AND NOT x.is_new", "~"
        )
        self.sql(
            "UPDATE households_assistancestatus SET end_date = CASE WHEN start_date IS NOT NULL AND start_date > %s "
            f"THEN start_date ELSE %s END WHERE id IN (SELECT status_id FROM {END})",
            [self.snapshot, self.snapshot],
        )
        self._history(AssistanceStatus, f"WHERE t.id IN (SELECT status_id FROM {END})", "~")

        # Exits: never deleted; flagged for review.
        self.sql(
            f"UPDATE households_person SET status = %s, needs_review = {d.true()}, updated_at = %s "
            f"WHERE id IN (SELECT person_id FROM {EXIT} WHERE flag)",
            [c.PersonStatus.EXITED, now],
        )
        self._history(Person, f"WHERE t.id IN (SELECT person_id FROM {EXIT} WHERE flag)", "~")

        # Snapshot membership: drop the exited, add the newcomers (on PostgreSQL, new people are in).
        self.sql(
            f"DELETE FROM imports_snapshotmember WHERE source = %s AND person_id IN (SELECT person_id FROM {EXIT})",
            [self.source],
        )
        if d.pg:
            self.sql(
                f"{insert_members} FROM {STAGE} s JOIN households_person p ON p.id = s.person_id "
                "WHERE NOT s.bad AND NOT s.member AND NOT s.is_new",
                members,
            )
        else:
            self.sql(
                f"{insert_members} FROM {STAGE} s JOIN households_person p ON p.id_hash = s.id_hash "
                "WHERE NOT s.bad AND NOT s.member",
                members,
            )
        m = "imports_snapshotmember"
        differs = " OR ".join(
            [
                d.ne(f"{m}.row_hash", row_hash),
                d.ne(f"{m}.hh_key", "s.hh_key"),
                d.ne(f"{m}.head_hash", "COALESCE(s.head_hash, '')"),
                d.ne(f"{m}.is_head", "s.is_head"),
                d.ne(f"{m}.hh_size", "s.hh_size"),
            ]
        )
        if self.scalar(f"SELECT COUNT(*) FROM {STAGE} WHERE member AND NOT same AND NOT bad"):
            self.sql(
                f"UPDATE {m} SET row_hash = {row_hash}, hh_key = s.hh_key, head_hash = COALESCE(s.head_hash, ''), "
                f"is_head = s.is_head, hh_size = s.hh_size, batch_id = %s FROM {STAGE} s "
                f"WHERE {m}.source = %s AND {m}.person_id = s.person_id AND NOT s.bad AND NOT s.same AND s.member "
                f"AND ({differs})",
                [self.batch.pk, self.source],
            )

        # Screening hears about every household whose facts changed, after the commit.
        rows = self.sql(
            f"SELECT hh.household_id FROM {STAGE} s JOIN {HH} hh ON hh.hh_key = s.hh_key "
            f"WHERE NOT s.bad AND (s.is_new OR s.pchanges <> '' OR s.schanged) "
            f"UNION SELECT old_household_id FROM {STAGE} WHERE NOT bad AND pchanges <> '' "
            f"UNION SELECT household_id FROM {HH} WHERE is_new OR changes <> '' "
            f"UNION SELECT p.household_id FROM households_person p JOIN {EXIT} e ON e.person_id = p.id"
        ).fetchall()
        self.affected_households = sorted({r[0] for r in rows if r[0]})
        households_changed(self.affected_households, communities=self.old_communities)

    def _save_batch(self, seconds: float):
        batch = self.batch
        batch.summary = self.summary.as_dict()
        batch.header = self.header.cells if self.header else []
        batch.header_row = self.header.row if self.header else None
        batch.duration = round(seconds, 3)
        batch.error_code = ""
        batch.message = ""
        batch.dry_run = not self.commit
        now = timezone.now()
        if self.commit:
            batch.status = ImportBatch.Status.COMMITTED
            batch.committed_at = now
        else:
            batch.status = ImportBatch.Status.CHECKED
            batch.checked_at = now
        batch.save()
