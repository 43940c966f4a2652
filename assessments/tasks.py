"""Celery tasks: they take ids (a Job id), claim the job, call the screening service, report.

Enqueue with ``enqueue_rescreen`` inside the writing transaction: the job row is created with it
and the message is sent only after the commit (``transaction.on_commit``).
"""

import logging

from celery import shared_task
from django.db import OperationalError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import jobs
from core.models import Job

from . import screening

log = logging.getLogger(__name__)
JOB_KIND = "rescreen"


def enqueue_rescreen(
    *,
    household_ids=None,
    person_ids=None,
    everyone: bool = False,
    full: bool = False,
    user=None,
    title: str = "",
) -> Job | None:
    """Record a re-screening job and send it to a worker once the current transaction commits."""
    params: dict = {}
    if everyone:
        params["everyone"] = True
        params["full"] = full
        title = title or (_("全员核对重新筛查") if full else _("全员重新筛查"))
    elif household_ids:
        params["household_ids"] = sorted({int(i) for i in household_ids})
        title = title or _("重新筛查 %(n)s 户") % {"n": len(params["household_ids"])}
    elif person_ids:
        params["person_ids"] = sorted({int(i) for i in person_ids})
        title = title or _("重新筛查 %(n)s 人") % {"n": len(params["person_ids"])}
    else:
        return None
    job = Job.objects.create(kind=JOB_KIND, title=title[:200], params=params, created_by=user)
    jobs.enqueue(job)  # sent after the commit; kept as an outbox row if the broker is down
    return job


@shared_task(bind=True, max_retries=5)
def run_rescreen_job(self, job_id: int) -> None:
    job = Job.objects.filter(pk=job_id, kind=JOB_KIND).first()
    if job is None or not job.claim():
        return  # gone, or already taken by another delivery of the same message
    p = job.params

    def progress(done, total):
        job.report(done, total, _("已处理 %(done)s / %(total)s 名变化人员") % {"done": done, "total": total})

    try:
        with jobs.running(job):
            result = screening.rescreen(
                everyone=bool(p.get("everyone")),
                full=bool(p.get("full")),
                household_ids=p.get("household_ids"),
                person_ids=p.get("person_ids"),
                id_range=tuple(p["id_range"]) if p.get("id_range") else None,
                progress=progress,
            )
    except OperationalError as error:
        # Transient database trouble: put the job back and retry with backoff (work is idempotent).
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
    except Exception as error:
        job.fail(f"{type(error).__name__}: {error}")
        raise
    job.finish(result.as_dict())


@shared_task
def rescreen_everyone_nightly() -> None:
    """Celery beat: people age into and out of groups, so everyone is re-screened each night
    (incrementally: the changed households and the people the calendar moved)."""
    enqueue_rescreen(everyone=True, title=_("夜间全员重新筛查"))


@shared_task
def rescreen_everyone_full() -> None:
    """Celery beat, weekly: compare everyone's facts with the stored state (a safety net for
    anything the change marks could not see, such as a restored backup)."""
    enqueue_rescreen(everyone=True, full=True, title=_("每周全员核对筛查"))


def on_households_changed(household_ids: list[int]) -> None:
    """households.hooks listener (called after the registry's commit)."""
    enqueue_rescreen(household_ids=household_ids)


RESULT_LABELS = {
    "changed": gettext_lazy("分类有变化的人数"),
    "gained": gettext_lazy("新纳入分类"),
    "lost": gettext_lazy("退出分类"),
    "updated": gettext_lazy("更新依据"),
    "tasks": gettext_lazy("新建待办"),
    "reviews": gettext_lazy("待复核"),
}


def register_job_kind() -> None:
    jobs.register_kind(
        jobs.JobKind(
            kind=JOB_KIND,
            label=gettext_lazy("重新筛查"),
            dispatch=lambda job: run_rescreen_job.apply_async((job.pk,)),
            result_labels=RESULT_LABELS,
        )
    )
