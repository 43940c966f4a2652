"""python manage.py import_roster PATH --source SOURCE [--dry-run] [--json] [--errors-out FILE]

Exit status (roster-format.md): 0 when the file was read, even with rejected rows; 1 when it could
not be read (decode_error, no_header, unsupported format); 2 on wrong arguments.
"""

import csv
import json
import os
import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from imports import services
from imports.models import IMPORT_SOURCES, ImportBatch
from imports.reports import issues_json, write_error_report

KEYS = ["rows", "created", "updated", "unchanged", "exited", "rejected", "warnings"]


class Command(BaseCommand):
    help = "导入省级系统导出的人员名单（roster-format.md）。"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", required=True, choices=[code for code, _label in IMPORT_SOURCES])
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--json", action="store_true", help="在标准输出打印一个 JSON 对象")
        parser.add_argument("--errors-out", metavar="FILE", help="把错误报告写入 .xlsx（或 .csv）文件")

    def handle(self, *args, path, source, dry_run, json: bool, errors_out, **options):
        if not os.path.isfile(path):
            self.stderr.write(_("文件不存在：%(path)s") % {"path": path})
            sys.exit(2)
        batch = services.batch_from_path(path=path, source=source)
        summary = services.batch_run(batch=batch, commit=not dry_run, path=path)
        batch.refresh_from_db()
        errors = issues_json(batch)
        result = {key: int((summary.as_dict() if summary else {}).get(key, 0)) for key in KEYS}
        result["errors"] = errors
        if errors_out:
            self._write_errors(batch, errors_out)
        if json:
            self.stdout.write(_dumps(result))
        else:
            self._print_human(batch, result)
        if summary is None:
            sys.exit(1)

    def _write_errors(self, batch: ImportBatch, target: str) -> None:
        if target.lower().endswith(".csv"):
            with open(target, "w", newline="", encoding="utf-8-sig") as f:
                writer = csv.writer(f)
                writer.writerow(["row", "code", "field", "message"])
                for error in issues_json(batch):
                    writer.writerow([error["row"], error["code"], error["field"], error["message"]])
        else:
            write_error_report(batch, target)

    def _print_human(self, batch: ImportBatch, result: dict) -> None:
        if batch.status == ImportBatch.Status.FAILED:
            self.stderr.write(f"[{batch.error_code}] {batch.message}")
            return
        mode = _("校验（未写入）") if batch.dry_run else _("已导入")
        self.stdout.write(
            _(
                "%(mode)s 批次 #%(pk)s：共 %(rows)s 行，新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s，"
                "退出 %(exited)s，拒绝 %(rejected)s，提醒 %(warnings)s"
            )
            % {"mode": mode, "pk": batch.pk, **result}
        )
        for error in result["errors"][:50]:
            self.stdout.write(_("  第 %(row)s 行 [%(code)s] %(message)s") % error)
        if len(result["errors"]) > 50:
            self.stdout.write(_("  …… 另有 %(n)s 条，见 --errors-out") % {"n": len(result["errors"]) - 50})


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
