import time

from django.core.management.base import BaseCommand

from households.demo import DEMO_PASSWORD, ensure_demo_users, make_households


class Command(BaseCommand):
    help = (
        "Create the demo city (idempotent): divisions, households, persons, statuses, users for every role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households", type=int, default=3000, help="how many demo households (default 3000)"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-users", action="store_true", help="skip demo users (benchmarks)")

    def handle(self, *args, households, seed, no_users, **options):
        if households < 0:
            self.stderr.write("--households must be >= 0")
            raise SystemExit(2)
        started = time.monotonic()
        verbosity = options.get("verbosity", 1)

        def progress(done, total):
            if verbosity >= 2 or total >= 50000:
                self.stdout.write(f"  {done}/{total}")

        created = make_households(households, seed=seed, progress=progress)
        # Demo rows are written in bulk, past the services: recount every summary row once.
        from households.hooks import households_written

        households_written([], everyone=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo households: {created} created ({households} requested) in {time.monotonic() - started:.1f}s"
            )
        )
        if not no_users:
            for username, role, area in ensure_demo_users():
                self.stdout.write(f"  login {username} / {DEMO_PASSWORD}  ({role}, {area})")
            # Screen a never-screened demo city first: the push and the visits follow the groups,
            # and a second seed_demo must find nothing new to do.
            from visits.demo import screen_if_never_screened

            screen_if_never_screened()
            from assistance.demo import make_demo_needs

            self.stdout.write(f"demo needs: {make_demo_needs()} created")
            from assistance.demo import make_demo_care

            self.stdout.write(f"demo push and care plans: {make_demo_care()}")
            from meetings.demo import make_demo_meetings

            meetings = make_demo_meetings()
            for username, role, area in meetings.pop("logins", []):
                self.stdout.write(f"  login {username} / {DEMO_PASSWORD}  ({role}, {area})")
            self.stdout.write(f"demo joint meetings: {meetings}")
            from employment.demo import make_demo_employment

            self.stdout.write(f"demo employment help: {make_demo_employment()}")
            from visits.demo import make_demo_visits

            self.stdout.write(f"demo visiting care: {make_demo_visits()}")
            # The demo's needs, visits and stays were written in bulk: recount the dashboards' rows.
            from stats.monthly import rebuild as rebuild_monthly

            rebuild_monthly()
