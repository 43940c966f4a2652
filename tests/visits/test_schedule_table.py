"""The schedule table (HouseholdSchedule) against the on-the-fly computation it replaces
(selectors.visit_households + state_q, the oracle): after a random sequence of writes through the
services and the registry hook, every household is in the same states, today and on later days
(the table stores dates; "overdue" and "this month" are compared when read)."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Alert, GroupDecision
from households.hooks import households_written
from households.models import Household
from tests.factories import HouseholdFactory, PersonFactory, TeamFactory, community
from visits import selectors, services
from visits.models import HouseholdSchedule, Pairing, VisitFrequency

from .conftest import in_group

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
GROUPS = [
    ("elderly", ""),
    ("elderly", "high_risk"),
    ("child", ""),
    ("student", "dropout"),
    ("disabled_ill", ""),
]


def oracle(day) -> dict[str, set[int]]:
    households = selectors.visit_households(today=day)
    return {
        s: set(households.filter(selectors.state_q(s, day)).values_list("pk", flat=True))
        for s in selectors.STATES
    }


def table(day) -> dict[str, set[int]]:
    rows = HouseholdSchedule.objects.all()
    return {
        s: set(rows.filter(selectors.schedule_q(s, day)).values_list("household_id", flat=True))
        for s in selectors.STATES
    }


def facts() -> tuple[dict, dict]:
    today = timezone.localdate()
    computed = {
        h.pk: (h.last_visit, h.paired_on, h.interval) for h in selectors.visit_households(today=today)
    }
    stored = {
        r.household_id: (r.last_visit_on, r.paired_on, r.interval_days)
        for r in HouseholdSchedule.objects.all()
    }
    return computed, stored


def assert_table_matches_oracle() -> None:
    today = timezone.localdate()
    computed, stored = facts()
    assert stored == computed
    for day in (today, today + DAY, today + 3 * DAY, today + 40 * DAY):
        assert table(day) == oracle(day), day


class Writer:
    """Random writes through the services (and the registry hook, as screening calls it)."""

    def __init__(self, rng, user, households, teams):
        self.rng, self.user, self.households, self.teams = rng, user, households, teams
        self.today = timezone.localdate()

    def past(self, most=120) -> dt.date:
        return self.today - self.rng.randint(0, most) * DAY

    def visit(self):
        household = self.rng.choice(self.households)
        next_due = self.past(20) if self.rng.random() < 0.2 else None
        services.visit_record(
            user=self.user,
            household=household,
            services=["condolence"],
            visited_on=self.past(),
            method="home",
            next_due_on=next_due,
        )

    def pair(self):
        household, team = self.rng.choice(self.households), self.rng.choice(self.teams)
        if (
            team.is_active
            and not Pairing.objects.filter(team=team, household=household, ended_on__isnull=True).exists()
        ):
            services.pairing_create(user=self.user, team=team, household=household, started_on=self.past(200))

    def unpair(self):
        pairing = Pairing.objects.filter(ended_on__isnull=True).order_by("?").first()
        if pairing:
            services.pairing_end(user=self.user, pairing=pairing, ended_on=self.today, reason="搬走")

    def place(self):
        household = self.rng.choice(self.households)
        group, tier = self.rng.choice(GROUPS)
        at = timezone.make_aware(dt.datetime.combine(self.past(30), dt.time(self.rng.randint(0, 23))))
        person = PersonFactory(household=household)  # one open decision per person and group
        GroupDecision.objects.create(
            person=person,
            group=group,
            tier=tier,
            rule_version="t",
            params_version="t",
            fingerprint=1,
            decided_at=at,
        )
        households_written([household.pk])

    def exit_or_tier(self):
        decision = GroupDecision.objects.filter(active=True).order_by("?").first()
        if decision is None:
            return
        if self.rng.random() < 0.5:
            GroupDecision.objects.filter(pk=decision.pk).update(active=False)
        else:
            GroupDecision.objects.filter(pk=decision.pk).update(
                tier=self.rng.choice(["", "high_risk", "dropout"])
            )
        households_written([decision.person.household_id])

    def alert(self):
        household = self.rng.choice(self.households)
        alert = Alert.objects.create(
            person=household.members.first(),
            town=household.town,
            kind="medical_bill",
            source="manual",
            verify_deadline=self.today,
        )
        assessment_services.alert_verify(
            alert=alert, user=self.user, method="phone", confirmed=self.rng.random() < 0.8, note="核实"
        )

    def frequency(self):
        group, tier = self.rng.choice(GROUPS)
        day = self.past(10)
        if not VisitFrequency.objects.filter(group=group, tier=tier, effective_from=day).exists():
            frequency = VisitFrequency(
                group=group, tier=tier, interval_days=self.rng.randint(5, 60), effective_from=day
            )
            services.frequency_save(user=self.user, frequency=frequency)

    def team_off(self):
        team = self.teams[-1]  # the first team stays on, so pairings keep being made
        team.is_active = not team.is_active
        services.team_save(user=self.user, team=team, expected=team.version)
        team.refresh_from_db()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_table_equals_the_oracle_after_random_writes(admin_user, seed):
    rng = random.Random(seed)
    households = []
    for i in range(10):
        household = HouseholdFactory(community=community(rng.choice(["花苑社区", "竹苑社区"])))
        PersonFactory(household=household)
        if i < 8:
            in_group(household, *rng.choice(GROUPS))
        households.append(household)
    households_written([h.pk for h in households])
    teams = [TeamFactory(name=f"队{i}") for i in range(2)]
    writer = Writer(rng, admin_user, households, teams)
    for household in households[:6]:
        services.pairing_create(
            user=admin_user, team=teams[0], household=household, started_on=writer.past(200)
        )
    actions = [writer.visit] * 5 + [writer.pair] * 3 + [writer.unpair, writer.place, writer.exit_or_tier]
    actions += [writer.alert, writer.frequency, writer.team_off]
    for step in range(40):
        rng.choice(actions)()
        if step % 10 == 9:
            assert_table_matches_oracle()
    assert_table_matches_oracle()
    assert HouseholdSchedule.objects.filter(paired=True).exists()


def test_the_nightly_refresh_rebuilds_rows_written_around_the_services(admin_user):
    household = HouseholdFactory(community=community("花苑社区"))
    PersonFactory(household=household)
    in_group(household, "elderly")  # straight to the table, no hook: the row is missing
    Pairing.objects.create(
        team=TeamFactory(), household=household, started_on=timezone.localdate() - 40 * DAY
    )
    assert not HouseholdSchedule.objects.filter(household=household).exists()
    call_command("refresh_visit_schedule", "--household", str(household.pk))
    row = HouseholdSchedule.objects.get(household=household)
    assert row.paired and row.interval_days == 30 and row.due_on == timezone.localdate() - 10 * DAY
    Household.objects.filter(pk=household.pk).update(status="archived")
    call_command("refresh_visit_schedule")
    assert not HouseholdSchedule.objects.exists()  # no longer requires visits: the row goes
    assert_table_matches_oracle()


def test_a_verified_alert_makes_the_visit_due_the_next_day(admin_user):
    today = timezone.localdate()
    household = HouseholdFactory(community=community("花苑社区"))
    PersonFactory(household=household)
    in_group(household, "child")
    services.pairing_create(
        user=admin_user, team=TeamFactory(), household=household, started_on=today - 5 * DAY
    )
    assert HouseholdSchedule.objects.get(household=household).due_on == today + 85 * DAY
    alert = Alert.objects.create(
        person=household.members.first(),
        town=household.town,
        kind="medical_bill",
        source="manual",
        verify_deadline=today,
    )
    assessment_services.alert_verify(
        alert=alert, user=admin_user, method="phone", confirmed=True, note="属实"
    )
    row = HouseholdSchedule.objects.get(household=household)
    assert (row.due_on, row.due_reason) == (today + DAY, "event")
