"""The monthly report's Excel workbook: one sheet per table, written through core/excel.py."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.excel import ExcelWriter


def write_workbook(report: dict, target) -> None:
    groups, needs, by_division = report["groups"], report["needs"], report["by_division"]
    with ExcelWriter(target) as book:
        summary = book.sheet(_("概况"), [_("项目"), _("内容")])
        summary.append([_("地区"), report["area"]])
        summary.append([_("月份"), report["label"]])
        summary.append([_("数据截至"), report["as_of"]])
        for sentence in report["sentences"]:
            summary.append([_("月报"), sentence])

        sheet = book.sheet(
            _("分类对象"),
            [
                _("分类"),
                pgettext("persons counted", "人数"),
                _("户数"),
                _("本月新纳入（人次）"),
                _("本月退出（人次）"),
            ],
        )
        for row in groups["rows"]:
            sheet.append([row["label"], row["persons"], row["households"], row["new"], row["exits"]])
        sheet.append(
            [_("合计（去重）"), groups["persons"], groups["households"], groups["new"], groups["exits"]]
        )

        if by_division:
            title = _("按镇街") if by_division["level"] == "town" else _("按村（社区）")
            header = [_("区域"), *[g["short"] for g in by_division["groups"]], _("人数（去重）"), _("户数")]
            sheet = book.sheet(title, header)
            for row in by_division["rows"]:
                sheet.append(
                    [row["name"], *[c["n"] for c in row["cells"]], row["persons"], row["households"]]
                )

        sheet = book.sheet(_("需求台账"), [_("项目"), _("数量")])
        sheet.append([_("本月新收集需求（个）"), needs["collected"]])
        sheet.append([_("本月满足需求（个）"), needs["met"]])
        sheet.append([_("月末尚未办结（个）"), needs["open"]])
        sheet.append([_("累计收集需求（个）"), needs["collected_total"]])
        sheet.append([_("累计收集并满足需求（个）"), needs["met_total"]])
        median = needs["median_days"]
        sheet.append([_("本月满足需求的中位办结天数"), "" if median is None else median])

        services = report["services"]
        sheet = book.sheet(_("服务人次"), [_("服务类型"), _("本月（人次）"), _("本年累计（人次）")])
        for row in services["rows"]:
            sheet.append([row["label"], row["n"], row["year"]])
        sheet.append([_("合计"), services["n"], services["year"]])
        sheet.append([_("探访关爱服务队伍（支）"), report["teams"]["n"], ""])
