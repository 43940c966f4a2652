"""The format layer: encodings, readers, header detection, title and totals rows, value parsing."""

import datetime as dt

import pytest

from households import choices as c
from imports import normalize as n
from imports.formats import CalamineReader, CsvReader, FormatError, XlsxReader, open_roster

from .conftest import HEADER, errors, make_id, person, run, warnings, write_csv, write_xls, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_every_encoding_reads_the_chinese_text(tmp_path, encoding):
    path = write_csv(
        tmp_path / "r.csv",
        [person(姓名="黄丽珍", 镇街="石岐街道", **{"村（社区）": "东明社区"})],
        encoding=encoding,
    )
    with open_roster(str(path)) as reader:
        rows = list(reader.rows())
    assert rows[0][1][1] == "姓名"
    assert rows[1][1][1] == "黄丽珍"
    assert (
        reader.encoding
        == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gb18030": "gb18030", "gbk": "gb18030"}[encoding]
    )


def test_gbk_csv_imports_with_its_encoding_recorded(tmp_path):
    path = write_csv(tmp_path / "r.csv", [person(姓名="黄丽珍")], encoding="gbk")
    batch, summary = run(path)
    assert summary.created == 1 and summary.rejected == 0
    assert batch.encoding == "gb18030" and batch.file_format == "csv"


def test_undecodable_bytes_are_a_decode_error_not_a_crash(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\x80\xff\x81\xff" * 100)
    batch, summary = run(path)
    assert summary is None
    assert batch.status == "failed" and batch.error_code == "decode_error"
    assert errors(batch, "decode_error")[0].message


def test_no_header_row_is_reported(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("标题\n甲,乙,丙\n1,2,3\n", encoding="utf-8")
    batch, summary = run(path)
    assert summary is None and batch.error_code == "no_header"
    assert "表头" in batch.message


def test_unsupported_extension_and_html_disguised_as_xls(tmp_path):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4 ...")
    with pytest.raises(FormatError) as info:
        open_roster(str(pdf))
    assert info.value.code == "unsupported_format"
    html = tmp_path / "export.xls"
    html.write_text("<html><table><tr><td>姓名</td></tr></table></html>", encoding="utf-8")
    batch, summary = run(html)
    assert summary is None and batch.error_code == "unsupported_format"


def test_reader_is_chosen_by_content_not_name(tmp_path):
    csv_named_xls = write_csv(tmp_path / "really_csv.xls", [person()])
    assert isinstance(open_roster(str(csv_named_xls)), CsvReader)
    xlsx = write_xlsx(tmp_path / "a.xlsx", [person()])
    reader = open_roster(str(xlsx))
    assert isinstance(reader, XlsxReader)  # every .xlsx streams, whatever its size
    with reader:
        rows = list(reader.rows())
    assert rows[1][1][1] == "陈大文"
    xls = write_xls(tmp_path / "old.xls", [person()])
    assert isinstance(open_roster(str(xls)), CalamineReader)


def test_title_rows_totals_and_blank_rows_keep_spreadsheet_row_numbers(tmp_path):
    people = [person(), person(公民身份号码="12345")]
    path = write_csv(
        tmp_path / "t.csv",
        people,
        title="中山市低收入人口名单（截至2024年3月）",
        footer=[[], ["合计", "2人"], [""] * 5],
    )
    batch, summary = run(path)
    assert batch.header_row == 3  # title, blank, header
    assert summary.rows == 2  # totals and blank rows are not people
    assert [e.row for e in errors(batch)] == [5]


def test_header_aliases_full_width_names_and_free_column_order(tmp_path):
    header = ["证件号码", "姓　名", "村居", "镇（街道）", "人员类别", "与户主关系", "家庭编号", "备注"]
    rows = [
        {
            "证件号码": make_id(),
            "姓　名": "周小芳",
            "村居": "花苑",
            "镇（街道）": "东区",
            "人员类别": "低保",
            "与户主关系": "户主",
            "家庭编号": "F1",
            "备注": "x",
        }
    ]
    path = tmp_path / "alias.csv"
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([r[h] for h in header])
    batch, summary = run(path)
    assert summary.created == 1, errors(batch)
    assert [w.message for w in warnings(batch, "unknown_column")] == ["未识别的列“备注”，已忽略"]


def test_xlsx_with_merged_title_dates_as_cells_and_serials(tmp_path):
    people = [person(认定日期=""), person(认定日期="")]
    path = write_xlsx(
        tmp_path / "d.xlsx",
        people,
        title="中山市社会救助对象名单",
        cell_values={(0, "认定日期"): dt.datetime(2024, 3, 1), (1, "认定日期"): 45352},
    )
    batch, summary = run(path)
    assert summary.created == 2, errors(batch)
    from households.models import AssistanceStatus

    assert set(AssistanceStatus.objects.values_list("start_date", flat=True)) == {dt.date(2024, 3, 1)}


def test_xlsx_id_stored_as_number_is_rejected(tmp_path):
    path = write_xlsx(
        tmp_path / "n.xlsx", [person(), person()], cell_values={(1, "公民身份号码"): 4.42000196003e17}
    )
    batch, summary = run(path)
    assert summary.created == 1 and summary.rejected == 1
    [error] = errors(batch)
    assert (error.row, error.code, error.field) == (3, "id_number_as_number", "id_number")
    assert "文本" in error.message


def test_xls_written_by_xlwt_is_read(tmp_path):
    path = write_xls(
        tmp_path / "old.xls",
        [person(认定日期=""), person(公民身份号码="１２３")],
        title="旧版Excel名单",
        cell_values={(0, "认定日期"): dt.date(2023, 12, 5)},
    )
    batch, summary = run(path)
    assert batch.file_format == "xls"
    assert summary.created == 1 and summary.rejected == 1
    assert errors(batch)[0].row == 5  # title (row 1), blank (row 2), header (row 3)


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01",
        "2024/3/1",
        "2024.3.1",
        "2024年3月1日",
        "20240301",
        "２０２４-０３-０１",
        "45352",
        45352,
        45352.0,
        dt.date(2024, 3, 1),
        dt.datetime(2024, 3, 1, 0, 0),
        "2024-03-01 00:00:00",
    ],
)
def test_every_date_style(value):
    assert n.parse_date(value) == dt.date(2024, 3, 1)


@pytest.mark.parametrize("value", ["2024-13-01", "明年", "3/1/2024x", "2024-02-30"])
def test_bad_dates_raise(value):
    with pytest.raises(ValueError):
        n.parse_date(value)


def test_places_match_with_and_without_suffixes():
    places = n.Places()
    dongqu = places.town("东区街道")
    assert dongqu and places.town("东区") == dongqu and places.town("东区街") == dongqu
    zsg = places.town("中山港街道")
    assert places.town("火炬开发区") == zsg == places.town("火炬区") == places.town("中山港")
    assert places.town("古镇") == places.town("古镇镇") is not None
    huayuan = places.community(dongqu, "花苑社区")
    assert huayuan and places.community(dongqu, "花苑") == huayuan
    assert places.community(dongqu, "花苑居委会") == huayuan
    assert places.community(places.town("西区"), "花苑") is None  # matched within the town only


def _normalizer(header=HEADER):
    header_obj = n.match_header(1, header)
    return n.RowNormalizer(header_obj, n.Places())


def _row(header, **values):
    p = person(**values)
    return [1] + [p.get(h, "") for h in header[1:]]


def test_value_mapping_to_registry_codes():
    header = HEADER + ["父母情况", "住房情况", "残疾类别", "失能等级", "计生特殊家庭", "就读学段"]
    norm = _normalizer(header)
    result = norm.normalize(
        _row(
            header,
            救助类型="低保、特困（分散供养）；低边(低收入)",
            残疾等级="一级残疾",
            父母情况="父亲死亡、母亲服刑",
            住房情况="危房（C级）",
            残疾类别="肢体残疾",
            失能等级="中度",
            计生特殊家庭="是",
            就读学段="高职（大专）",
        )
    )
    assert not result.errors, result.errors
    cols = dict(zip([name for name, _ in n.STAGE_COLUMNS], result.stage, strict=True))
    assert cols["disability_grade"] == 1
    assert (cols["father_situation"], cols["mother_situation"]) == ("dead", "imprisoned")
    assert (cols["housing"], cols["safety_grade"]) == (c.Housing.DANGEROUS, "C")
    assert cols["disability_category"] == "physical" and cols["care_level"] == "moderate"
    assert cols["special_family"] is True and cols["school_stage"] == "higher_vocational"
    assert [(k, d) for k, d, _ in result.statuses] == [("dibao", ""), ("tekun", "分散供养"), ("dibian", "")]


def test_id_numbers_full_width_apostrophe_spaces_and_15_digits():
    norm = _normalizer()
    good = make_id()
    for variant in [
        "'" + good,
        " ".join([good[:6], good[6:14], good[14:]]),
        good.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
        good.lower(),
    ]:
        result = norm.normalize(_row(HEADER, 公民身份号码=variant))
        assert not result.errors, (variant, result.errors)
    legacy = "442000580309123"  # 15 digits: 1958-03-09
    result = norm.normalize(_row(HEADER, 公民身份号码=legacy))
    assert not result.errors
    cols = dict(zip([name for name, _ in n.STAGE_COLUMNS], result.stage, strict=True))
    assert cols["birth_date"] == "1958-03-09" and cols["id_masked"].startswith("442000")
    result = norm.normalize(_row(HEADER, 公民身份号码="4.42000E+17"))
    assert [e.code for e in result.errors] == ["id_number_as_number"]


def test_fast_id_path_agrees_with_core_parse():
    from core import idnumber

    norm = _normalizer()
    for i in range(300):
        value = make_id(birth=dt.date(1930, 1, 1) + dt.timedelta(days=97 * i), male=bool(i % 2))
        assert norm._plain_id(value) == idnumber.parse(value)
        wrong = value[:17] + ("0" if value[17] != "0" else "1")
        assert norm._plain_id(wrong) is None


def test_xlsx_numbers_dates_title_and_totals_give_the_expected_result(tmp_path):
    people = [person(认定日期=""), person(认定日期=""), person(), person(公民身份号码="")]
    path = write_xlsx(
        tmp_path / "x.xlsx",
        people,
        title="名单",
        cell_values={
            (0, "认定日期"): dt.datetime(2024, 3, 1),
            (1, "认定日期"): 45352,
            (2, "公民身份号码"): 442000195803091234,
        },
        footer=[[], ["合计", "4人"]],
    )
    batch, summary = run(path)
    assert (summary.rows, summary.created, summary.rejected) == (4, 2, 2)
    assert [(e.row, e.code) for e in errors(batch)] == [(6, "id_number_as_number"), (7, "missing_required")]
