"""Two departments finish the last two tasks of a case at once (PostgreSQL; SQLite serialises
writers). The case row is locked first, so exactly one of them sees no open task left: the case
closes once and its needs are met; neither report is lost."""

import threading

import pytest
from django.db import connection

from assistance.choices import NeedStatus
from meetings import choices as c
from meetings import services
from meetings.models import ProgressReport
from tests.conftest import client_for

from .conftest import _liaison

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_last_reports_at_once_close_the_case_once(monkeypatch, resolving, renshe, need):
    yibao = _liaison("yibao", "medical_insurance")
    real = services.task_report
    barrier = threading.Barrier(2, timeout=20)

    def together(**kwargs):
        barrier.wait()
        return real(**kwargs)

    monkeypatch.setattr(services, "task_report", together)
    tasks = {t.department.code: t for t in resolving.tasks.select_related("department")}
    results = [None, None]

    def run(i, user, task):
        try:
            results[i] = client_for(user).post(
                f"/api/resolution-tasks/{task.pk}/report/",
                {"status": "done", "text": "完成"},
                content_type="application/json",
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(0, renshe, tasks["hr_social_security"])),
        threading.Thread(target=run, args=(1, yibao, tasks["medical_insurance"])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in results] == [200, 200], results
    resolving.refresh_from_db()
    need.refresh_from_db()
    assert resolving.status == c.CaseStatus.CLOSED
    assert need.status == NeedStatus.MET
    assert ProgressReport.objects.filter(task__case=resolving).count() == 2
    assert resolving.history.filter(status=c.CaseStatus.CLOSED).count() == 1
