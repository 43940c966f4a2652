"""Due dates per tier at the boundaries, the event-driven due date, and overdue and coverage
figures against a hand-counted fixture (issue 12)."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import Alert
from visits import selectors
from visits.models import VisitFrequency
from visits.schedule import due_of
from visits.services import schedule_refresh

from .conftest import TODAY, in_group, visited

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _row(household):
    return selectors.visit_households(today=TODAY).get(pk=household.pk)


def _overdue(household) -> bool:
    return (
        selectors.visit_households(today=TODAY)
        .filter(selectors.state_q("overdue", TODAY), pk=household.pk)
        .exists()
    )


@pytest.mark.parametrize(
    "group,tier,interval",
    [("elderly", "", 30), ("elderly", "high_risk", 7), ("child", "", 90), ("student", "dropout", 30)],
)
def test_due_on_the_last_day_of_the_interval_and_overdue_the_day_after(
    make_household, admin_user, group, tier, interval
):
    on_time = make_household(group, tier)
    visited(on_time, TODAY - interval * DAY, user=admin_user)
    late = make_household(group, tier)
    visited(late, TODAY - (interval + 1) * DAY, user=admin_user)
    assert due_of(_row(on_time)).on == TODAY and not _overdue(on_time)
    assert due_of(_row(late)).on == TODAY - DAY and _overdue(late)


def test_the_strictest_tier_of_any_member_wins(make_household, admin_user):
    household = make_household("child")
    in_group(household, "elderly", "high_risk")
    visited(household, TODAY - 8 * DAY, user=admin_user)
    assert _row(household).interval == 7 and _overdue(household)


def test_frequencies_are_dated_data(make_household, admin_user):
    household = make_household("child")
    visited(household, TODAY - 40 * DAY, user=admin_user)
    assert not _overdue(household)
    VisitFrequency.objects.create(group="child", tier="", interval_days=30, effective_from=TODAY)
    assert _overdue(household)
    VisitFrequency.objects.filter(effective_from=TODAY).update(effective_from=TODAY + DAY)
    assert not _overdue(household)  # not yet in force


def test_never_visited_counts_from_the_pairing(make_household):
    household = make_household("elderly", paired_on=TODAY - 30 * DAY)
    assert due_of(_row(household)).on == TODAY and not _overdue(household)
    late = make_household("elderly", paired_on=TODAY - 31 * DAY)
    assert _overdue(late)


def test_a_new_high_risk_placement_is_due_within_24_hours(make_household, admin_user):
    household = make_household("child")
    visited(household, TODAY - 3 * DAY, user=admin_user)
    at = timezone.make_aware(dt.datetime.combine(TODAY - 2 * DAY, dt.time(10)))
    in_group(household, "elderly", "high_risk", decided_at=at)
    row = _row(household)
    assert due_of(row).on == TODAY - DAY and due_of(row).reason == "event"
    assert _overdue(household)
    visited(household, TODAY - DAY, user=admin_user)  # visited the day after: done
    assert not _overdue(household)


def test_a_verified_alert_brings_the_visit_forward(make_household, admin_user):
    household = make_household("child")
    visited(household, TODAY - 5 * DAY, user=admin_user)
    alert = Alert.objects.create(
        person=household.head,
        town=household.town,
        kind="medical_bill",
        source="manual",
        verify_deadline=TODAY,
        status="verified",
        confirmed=True,
        verified_at=timezone.make_aware(dt.datetime.combine(TODAY - DAY, dt.time(9))),
    )
    assert due_of(_row(household)).on == TODAY and not _overdue(household)
    Alert.objects.filter(pk=alert.pk).update(verified_at=alert.verified_at - DAY)
    assert _overdue(household)
    Alert.objects.filter(pk=alert.pk).update(confirmed=False)
    assert not _overdue(household)  # an alert found untrue is no event


def test_a_next_date_set_by_the_visitor_counts(make_household, admin_user):
    household = make_household("child")
    visited(household, TODAY - 10 * DAY, user=admin_user, next_due_on=TODAY - DAY)
    assert _overdue(household)


def test_coverage_against_a_hand_counted_fixture(make_household, admin_user):
    """花苑: 3 elderly (2 visited this month, 1 overdue), 1 child unpaired; 竹苑: 1 elderly unvisited."""
    a = make_household("elderly")
    visited(a, TODAY.replace(day=1), user=admin_user)
    b = make_household("elderly")
    visited(b, TODAY - DAY, user=admin_user)
    c = make_household("elderly")
    visited(c, TODAY - 40 * DAY, user=admin_user)
    make_household("child", paired_on=None)
    make_household(None)  # in no group: not counted anywhere
    z = make_household("elderly", name="竹苑社区")
    visited(z, TODAY - 20 * DAY, user=admin_user)
    schedule_refresh(today=TODAY)  # the rows were written straight to the tables, not by services
    assert selectors.coverage(admin_user, level="community", today=TODAY) == selectors.coverage_computed(
        admin_user, level="community", today=TODAY
    )
    rows = {r["name"]: r for r in selectors.coverage(admin_user, level="community", today=TODAY)}
    huayuan = rows["花苑社区"]
    assert (huayuan["required"], huayuan["paired"], huayuan["unpaired"], huayuan["overdue"]) == (4, 3, 1, 1)
    assert (huayuan["elderly"], huayuan["elderly_visited"], huayuan["rate"]) == (3, 2, 67)
    assert (rows["竹苑社区"]["elderly_visited"], rows["竹苑社区"]["overdue"]) == (0, 0)
    town = selectors.coverage(admin_user, level="town", today=TODAY)
    assert len(town) == 1 and town[0]["required"] == 5 and town[0]["elderly_visited"] == 2
    overdue = set(
        selectors.schedule_rows(admin_user, state="overdue", today=TODAY).values_list("pk", flat=True)
    )
    assert overdue == {c.pk}
