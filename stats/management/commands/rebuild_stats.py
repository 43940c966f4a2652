from django.core.management.base import BaseCommand

from stats import monthly, uptake
from stats.services import rebuild, rebuild_others


class Command(BaseCommand):
    help = "Recompute every summary row (home page, group counts, the apps' own) from the registry."

    def handle(self, *args, **options):
        run = rebuild()
        monthly.rebuild()  # the dashboards' monthly flows, group stock and month-end snapshots
        uptake.recount(None)  # the push uptake per community, item and funnel status
        rebuild_others()  # the apps' own summary rows (the employment survey's)
        self.stdout.write(
            self.style.SUCCESS(f"summary rows rebuilt: {run.communities} communities in {run.seconds:.2f}s")
        )
