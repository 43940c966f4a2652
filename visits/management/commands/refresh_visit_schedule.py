"""Recompute the visit schedule table (visits.HouseholdSchedule), set-based: all households, or
one with --household (a repair after a manual fix in the database)."""

import time

from django.core.management.base import BaseCommand

from visits.models import HouseholdSchedule
from visits.services import schedule_refresh


class Command(BaseCommand):
    help = "Recompute every household's visit schedule row (or one with --household ID)."

    def add_arguments(self, parser):
        parser.add_argument("--household", type=int, action="append", help="only this household id")

    def handle(self, *args, household=None, **options):
        started = time.perf_counter()
        schedule_refresh(household_ids=household)
        self.stdout.write(
            f"{HouseholdSchedule.objects.count()} schedule rows in {time.perf_counter() - started:.1f}s"
        )
