from django.core.management.base import BaseCommand, CommandError

from assistance import push


class Command(BaseCommand):
    help = (
        "Push eligible catalog items (幸福清单推送): --all for everyone (what changed since the last full run; "
        "--all --force: everything), --household ID for one household."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="recompute for everyone")
        group.add_argument("--household", type=int, action="append", help="a household id (repeatable)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="with --all: every item for everyone, ignoring the stored push inputs",
        )

    def handle(self, *args, all, household, force, **options):
        if force and not all:
            raise CommandError("--force goes with --all")
        if household:
            run = push.push(households=household, mode="households")
        elif all:
            run = push.push(mode="full", force=force)
        else:
            run = push.push_incremental()
        if run is None:
            raise CommandError("push did not run")
        self.stdout.write(
            f"push ({run.mode}): {run.created} new, {run.repushed} pushed again, "
            f"{run.withdrawn} withdrawn in {run.seconds:.2f}s"
        )
