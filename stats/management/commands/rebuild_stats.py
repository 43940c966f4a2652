from django.core.management.base import BaseCommand

from stats.services import rebuild


class Command(BaseCommand):
    help = "Recompute every summary row (home page and group counts) from the registry."

    def handle(self, *args, **options):
        run = rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"summary rows rebuilt: {run.communities} communities in {run.seconds:.2f}s")
        )
