from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.models import Job
from households.models import Household

from ...tasks import JOB_KIND, run_rescreen_job


class Command(BaseCommand):
    help = "Re-screen persons into the seven groups (writes only what changed; safe to repeat)."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--all", action="store_true", help="everyone")
        target.add_argument("--household", type=int, action="append", help="a household id (repeatable)")
        parser.add_argument(
            "--full",
            action="store_true",
            help="with --all: compare everyone's facts, not only the changed and the calendar's",
        )

    def handle(self, *args, **options):
        if options["full"] and not options["all"]:
            raise CommandError("--full goes with --all")
        if options["all"]:
            params, title = {"everyone": True, "full": options["full"]}, _("全员重新筛查（命令行）")
        else:
            ids = sorted(set(options["household"]))
            missing = set(ids) - set(Household.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"unknown household id(s): {sorted(missing)}")
            params, title = {"household_ids": ids}, _("重新筛查 %(n)s 户（命令行）") % {"n": len(ids)}
        job = Job.objects.create(kind=JOB_KIND, title=title, params=params)
        # Runs in this process (no worker needed); the job row records progress and the result.
        run_rescreen_job.apply(args=[job.pk], throw=True)
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(job.error or job.status)
        self.stdout.write(self.style.SUCCESS(f"job {job.pk}: {job.result}"))
