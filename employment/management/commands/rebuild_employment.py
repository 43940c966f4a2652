from django.core.management.base import BaseCommand

from employment.tallies import rebuild


class Command(BaseCommand):
    help = "Recompute the employment survey's summary rows (targets, survey progress) from the registry."

    def handle(self, *args, **options):
        households = rebuild()
        self.stdout.write(self.style.SUCCESS(f"survey rows rebuilt: {households} target households"))
