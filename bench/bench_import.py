"""Roster import benchmark (PostgreSQL). Not a test: it prints a table of figures.

    createdb -h 127.0.0.1 -U postgres bench_imports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_imports .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_imports \
        .venv/bin/python bench/bench_import.py --sizes 10k,100k

For each size it generates a roster (CSV, and XLSX unless --no-xlsx) and measures, each in a fresh
process so peak memory (ru_maxrss) belongs to that step alone:

- raw COPY of the same CSV into a table of the same shape (the baseline);
- our full import of new rows from CSV (parse, validate, diff, write, history);
- a re-import of the same, unchanged file (must write no rows);
- our full import of new rows from XLSX;
- on 10k rows: a plain django-import-export resource import of the same people (the reference);
- with --floor: what PostgreSQL alone needs to write the rows an import of new people writes
  (households, persons, statuses, their history rows and snapshot membership, with every index,
  constraint and the deferred foreign-key checks at commit), as INSERT ... SELECT from tables that
  already hold the finished rows. No importer can beat it on this database: the physical floor.

The database's registry tables are TRUNCATEd between steps: use a database of its own.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")

HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "性别",
    "出生日期",
    "与户主关系",
    "户编号",
    "镇街",
    "村（社区）",
    "家庭住址",
    "联系电话",
    "救助类型",
    "认定日期",
    "残疾类别",
    "残疾等级",
    "劳动能力",
    "就业状况",
    "家庭人口数",
    "月人均收入",
]
PLACES = [
    (
        "东区街道",
        ["竹苑社区", "夏洋社区", "花苑社区", "起湾社区", "桥岗社区", "新鳌岭社区", "东裕社区", "桃苑社区"],
    ),
    (
        "西区街道",
        ["烟洲社区", "广丰社区", "西苑社区", "长洲社区", "后山社区", "沙朗社区", "隆昌社区", "彩虹社区"],
    ),
    ("南区", ["环城社区", "城南社区", "良都社区"]),
    ("石岐", ["东明社区"]),
    ("港口镇", ["石特"]),
    ("民众街道", ["民众社区"]),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫斌宇浩凯健俊帆帅旭宁龙林欢阳建国志海波辉"
RELATIONS = ["户主", "配偶", "子", "女", "父母", "孙子女"]
ASSIST = ["低保", "特困（分散供养）", "低边", "低保、困难残疾人生活补贴", "刚性支出困难", "孤儿"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(i: int) -> str:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=(i // 450) % 27000)
    area = f"4420{(i // (450 * 27000)) % 100:02d}"
    first17 = f"{area}{birth:%Y%m%d}{(i % 450) * 2 + 100:03d}"
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def people(n: int, seed: int = 7, offset: int = 0):
    rng = random.Random(seed)
    i, household = 0, 0
    while i < n:
        household += 1
        size = min(rng.choice((1, 2, 2, 3, 3, 4)), n - i)
        town, communities = PLACES[household % len(PLACES)]
        community = communities[household % len(communities)]
        for member in range(size):
            pid = make_id(i + offset)
            yield [
                i + 1,
                SURNAMES[rng.randrange(len(SURNAMES))] + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                pid,
                "男" if int(pid[16]) % 2 else "女",
                f"{pid[6:10]}-{pid[10:12]}-{pid[12:14]}",
                "户主" if member == 0 else RELATIONS[1 + (member - 1) % 5],
                f"HH{household + offset:08d}",
                town,
                community,
                f"{community}{rng.randrange(1, 300)}号",
                f"13{rng.randrange(10**8, 10**9)}",
                ASSIST[household % len(ASSIST)] if member == 0 else "低保",
                "2024-03-01",
                "肢体" if i % 17 == 0 else "",
                "二级" if i % 17 == 0 else "",
                "有劳动能力" if member < 2 else "",
                "灵活就业" if member < 2 else "",
                size,
                f"{rng.randrange(300, 1500)}.00",
            ]
            i += 1


def write_csv(path: Path, n: int, offset: int = 0) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(["中山市低收入人口名单（基准测试数据）"])
        writer.writerow(HEADER)
        writer.writerows(people(n, offset=offset))


def write_xlsx(path: Path, n: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(["中山市低收入人口名单（基准测试数据）"])
    sheet.append(HEADER)
    for row in people(n):
        sheet.append(row)
    workbook.save(path)


# --- child steps (each in its own process) ----------------------------------------------------


def _django():
    import django

    django.setup()


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _written_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM households_historicalperson) + "
            "(SELECT COUNT(*) FROM households_historicalhousehold) + "
            "(SELECT COUNT(*) FROM households_historicalassistancestatus) + "
            "(SELECT COUNT(*) FROM households_person) + (SELECT COUNT(*) FROM households_household) + "
            "(SELECT COUNT(*) FROM households_assistancestatus)"
        )
        return cursor.fetchone()[0]


def child_import(path: str, trace: bool, source: str = "social_assistance") -> dict:
    _django()
    from imports import services

    if trace:
        import tracemalloc

        tracemalloc.start()
    before = _written_rows()
    started = time.perf_counter()
    batch = services.batch_from_path(path=path, source=source)
    summary = services.batch_run(batch=batch, commit=True, path=path, raise_errors=True)
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "rows": summary.rows,
        "summary": summary.as_dict(),
        "rss_mb": _rss_mb(),
        "written": _written_rows() - before,
    }
    if trace:
        import tracemalloc

        result["py_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return result


def child_copy(path: str) -> dict:
    _django()
    from django.db import connection

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_raw_copy ({columns})")
        started = time.perf_counter()
        with open(path, "rb") as f:
            f.readline()  # the title row
            with cursor.cursor.copy("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while data := f.read(1024 * 1024):
                    copy.write(data)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT COUNT(*) FROM bench_raw_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_raw_copy")
    return {"seconds": seconds, "rows": rows, "rss_mb": _rss_mb()}


FLOOR_TABLES = [  # in foreign-key order
    "households_household",
    "households_historicalhousehold",
    "households_person",
    "households_historicalperson",
    "households_assistancestatus",
    "households_historicalassistancestatus",
    "imports_snapshotmember",
]


def child_floor(rows: int) -> dict:
    """Re-insert what the last import wrote, from temporary copies, timing only the writes."""
    _django()
    from django.db import connection, transaction

    parts = {}
    with connection.cursor() as cursor:
        for table in FLOOR_TABLES:
            cursor.execute(f"CREATE TEMPORARY TABLE floor_{table} AS SELECT * FROM {table}")
            cursor.execute(f"ANALYZE floor_{table}")
        cursor.execute(f"TRUNCATE {', '.join(FLOOR_TABLES)} CASCADE")
        cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        with transaction.atomic():
            for table in FLOOR_TABLES:
                t = time.perf_counter()
                cursor.execute(f"INSERT INTO {table} SELECT * FROM floor_{table}")
                parts[table.split("_", 1)[1]] = round(time.perf_counter() - t, 2)
            t = time.perf_counter()
        parts["commit (deferred FK checks)"] = round(time.perf_counter() - t, 2)
        seconds = time.perf_counter() - started
    history = sum(v for k, v in parts.items() if k.startswith("historical"))
    return {"seconds": seconds, "rows": rows, "rss_mb": _rss_mb(), "parts": parts, "history": history}


RESOURCE_FIELDS = [
    "household",
    "name",
    "name_initials",
    "id_hash",
    "id_encrypted",
    "id_masked",
    "id_tail",
    "sex",
    "birth_date",
    "relation",
]


def child_import_export(n: int) -> dict:
    """The reference: a plain django-import-export ModelResource, one row at a time (with history)."""
    _django()
    import tablib
    from import_export import resources

    from core import idnumber
    from households.models import Division, Household, Person
    from households.names import name_initials

    community = Division.objects.get(name="花苑社区")
    households = Household.objects.bulk_create(
        [Household(community=community, town_id=community.parent_id) for _ in range(n // 2 + 1)]
    )

    class PersonResource(resources.ModelResource):
        class Meta:
            model = Person
            import_id_fields = ["id_hash"]
            fields = RESOURCE_FIELDS
            use_bulk = False

    started = time.perf_counter()
    dataset = tablib.Dataset(headers=RESOURCE_FIELDS)
    for i, row in enumerate(people(n)):
        parsed = idnumber.parse(row[2])
        dataset.append(
            [
                households[i // 2].pk,
                row[1],
                name_initials(row[1]),
                idnumber.id_hash(parsed.value),
                idnumber.encrypt(parsed.value),
                parsed.masked,
                parsed.value[-6:],
                parsed.sex,
                parsed.birth_date.isoformat(),
                "head",
            ]
        )
    result = PersonResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": result.totals["new"], "rss_mb": _rss_mb()}


def reset() -> None:
    _django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE households_assistancestatus, households_historicalassistancestatus, households_person, "
            "households_historicalperson, households_household, households_historicalhousehold, "
            "imports_snapshotmember, imports_importrowerror, imports_importbatch RESTART IDENTITY CASCADE"
        )
        cursor.execute("ANALYZE")


def run_child(*args) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- main ---------------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated row counts, e.g. 10k,100k,1m")
    parser.add_argument(
        "--no-xlsx", action="store_true", help="skip the XLSX steps (1M-row XLSX is slow to make)"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also report the Python heap peak (slower)"
    )
    parser.add_argument(
        "--floor", action="store_true", help="also measure PostgreSQL's own time to write the rows"
    )
    parser.add_argument(
        "--second-source",
        action="store_true",
        help="only: import N people as one source, then N others as a second source (must not go quadratic)",
    )
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (see the docstring).")
    if args.child:
        kind, *rest = args.child
        if kind == "import":
            result = child_import(rest[0], rest[1] == "1", *rest[2:])
        elif kind == "copy":
            result = child_copy(rest[0])
        elif kind == "floor":
            result = child_floor(int(rest[0]))
        elif kind == "import_export":
            result = child_import_export(int(rest[0]))
        elif kind == "reset":
            reset()
            result = {}
        print(json.dumps(result))
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench_import_"))
    workdir.mkdir(parents=True, exist_ok=True)
    trace = "1" if args.tracemalloc else "0"
    table = []

    def record(size, fmt, step, result, baseline=None, note=""):
        rate = result["rows"] / result["seconds"] if result["seconds"] else 0
        ratio = f"{rate / baseline:.2f}" if baseline else ""
        table.append(
            (
                f"{size:,}",
                fmt,
                step,
                f"{result['seconds']:.2f}",
                f"{rate:,.0f}",
                ratio,
                f"{result['rss_mb']:.0f}",
                f"{result.get('py_peak_mb', 0):.0f}" if "py_peak_mb" in result else "",
                note,
            )
        )
        return rate

    checks = []
    for size in [parse_size(s) for s in args.sizes.split(",") if s]:
        csv_path = workdir / f"roster_{size}.csv"
        if not csv_path.exists():
            write_csv(csv_path, size)
        if args.second_source:
            other_path = workdir / f"roster_{size}_other.csv"
            if not other_path.exists():
                write_csv(other_path, size, offset=size)
            run_child("reset")
            one = run_child("import", csv_path, trace, "social_assistance")
            record(size, "csv", "first source, first import", one, None, f"written {one['written']:,}")
            two = run_child("import", other_path, trace, "low_income_monitoring")
            ratio = two["seconds"] / one["seconds"]
            record(size, "csv", "second source, first import", two, None, f"{ratio:.2f} x first source")
            checks.append((size, "second source <= 1.5 x first source", ratio, ratio <= 1.5))
            run_child("reset")
            continue
        copy = run_child("copy", csv_path)
        copy_rate = record(size, "csv", "raw COPY (baseline)", copy)

        run_child("reset")
        first = run_child("import", csv_path, trace)
        csv_rate = record(size, "csv", "import, new rows", first, copy_rate, f"written {first['written']:,}")
        again = run_child("import", csv_path, trace)
        record(
            size,
            "csv",
            "re-import, unchanged",
            again,
            None,
            f"{again['seconds'] / first['seconds']:.2f} x first; written {again['written']}",
        )
        checks.append((size, "csv/COPY >= 0.25", csv_rate / copy_rate, csv_rate / copy_rate >= 0.25))
        ratio = again["seconds"] / first["seconds"]
        checks.append(
            (size, "re-import <= 0.2 x first, 0 written", ratio, ratio <= 0.2 and again["written"] == 0)
        )
        peaks = [first["rss_mb"], again["rss_mb"]]
        if args.floor:
            floor = run_child("floor", size)
            parts = ", ".join(f"{k} {v}" for k, v in floor["parts"].items())
            floor_rate = record(size, "-", "floor: PG writes only", floor, copy_rate, parts)
            checks.append((size, "floor/COPY (best reachable ratio)", floor_rate / copy_rate, None))
            without = {**floor, "seconds": floor["seconds"] - floor["history"]}
            record(size, "-", "floor without history", without, copy_rate)

        if not args.no_xlsx:
            xlsx_path = workdir / f"roster_{size}.xlsx"
            if not xlsx_path.exists():
                write_xlsx(xlsx_path, size)
            run_child("reset")
            xlsx = run_child("import", xlsx_path, trace)
            xlsx_rate = record(size, "xlsx", "import, new rows", xlsx, csv_rate, "ratio vs our CSV")
            checks.append((size, "xlsx >= 0.6 x csv", xlsx_rate / csv_rate, xlsx_rate / csv_rate >= 0.6))
            peaks.append(xlsx["rss_mb"])
        checks.append((size, "peak RSS < 500 MB", max(peaks), max(peaks) < 500))

        if size == 10_000:
            run_child("reset")
            reference = run_child("import_export", size)
            record(size, "-", "django-import-export (reference)", reference, csv_rate, "ratio vs our CSV")
        run_child("reset")

    headers = ("rows", "fmt", "step", "seconds", "rows/s", "ratio", "peak RSS MB", "py heap MB", "note")
    widths = [max(len(str(r[i])) for r in [headers, *table]) for i in range(len(headers))]
    print()
    for row in [headers, *table]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    print()
    for size, name, value, ok in checks:
        verdict = "INFO" if ok is None else "PASS" if ok else "MISS"
        print(f"{verdict}  {size:>9,}  {name:<40} {value:.2f}")


if __name__ == "__main__":
    main()
