"""The survey's summary rows (TargetShare, SurveyShare, SurveyTally) equal the raw computation
from the registry after each kind of write: a survey, a placement, a sweep that moves someone out
of the ``unemployed`` group, a birthday (the nightly task), a full rebuild (``rebuild_stats``)."""

import datetime as dt

import pytest
from django.core.management import call_command

from assessments import screening
from assessments.models import GroupDecision
from employment import services, tallies
from employment.models import Post, SurveyShare, SurveyTally, TargetShare
from employment.selectors import (
    household_holds,
    households_in_state,
    in_unemployed_group,
    raw_households_in_state,
    raw_survey_progress,
    survey_progress,
    targets,
    visible_towns,
    working_age_q,
)
from employment.tasks import refresh_survey_tallies
from households import choices as hc
from households.models import Household, Person
from tests.factories import HouseholdFactory, PersonFactory, community, town

from .conftest import TODAY, jobless, years_ago

pytestmark = pytest.mark.django_db

PERSONAS = ["admin_user", "dongqu", "huayuan", "xiqu"]
STATES = ("target", "surveyed", "on_site", "phone", "reached", "not_reached", "not_surveyed")


def raw_targets() -> dict:
    """{person: (unemployed, dibao, dibian)} decided from the registry now."""
    flags = {}
    for pk in targets(Person.objects.all()).values_list("pk", flat=True):
        one = Person.objects.filter(pk=pk)
        flags[pk] = (
            one.filter(in_unemployed_group()).exists(),
            one.filter(household_holds((hc.AssistanceKind.DIBAO,)) & working_age_q()).exists(),
            one.filter(household_holds((hc.AssistanceKind.DIBIAN,)) & working_age_q()).exists(),
        )
    return flags


def stored_targets() -> dict:
    return {t.person_id: (t.unemployed, t.dibao, t.dibian) for t in TargetShare.objects.all()}


def tally_rows() -> dict:
    """The communities' rows, without those a write emptied (they stay until the next rebuild)."""
    return {
        row.pop("community_id"): row
        for row in SurveyTally.objects.values(
            "community_id", "town_id", "households", "persons", "surveyed", "on_site", "phone", "reached"
        )
        if row["households"]
    }


def assert_births_match():
    """Each summary row carries its person's birth date (the list's age order)."""
    rows = TargetShare.objects.values_list("person_id", "birth")
    births = dict(Person.objects.filter(pk__in=[pk for pk, _ in rows]).values_list("pk", "birth_date"))
    assert dict(rows) == births


def assert_tallies_match(request, since=(None, TODAY - dt.timedelta(days=10))):
    assert stored_targets() == raw_targets()
    assert_births_match()
    for name in PERSONAS:
        user = request.getfixturevalue(name)
        towns = visible_towns(user)
        for day in since:
            summary = survey_progress(user, towns, since=day)
            raw = raw_survey_progress(Household.objects.restrict(user), towns, since=day)
            assert summary == raw, (name, day)
            households = Household.objects.restrict(user)
            for state in STATES:
                listed = set(households_in_state(households, state, day).values_list("pk", flat=True))
                assert listed == set(
                    raw_households_in_state(households, state, day).values_list("pk", flat=True)
                )
    # The rows the writes kept by differences are the rows a recount gives.
    kept = tally_rows()
    tallies.rebuild()
    assert tally_rows() == kept


@pytest.fixture
def city(admin_user, dongqu, huayuan, xiqu):
    """Targets in 花苑 (东区) and 烟洲 (西区), screened once, one of them surveyed long ago."""
    people = {
        "dibao": jobless(),
        "dibian": jobless("竹苑社区", kind=hc.AssistanceKind.DIBIAN),
        "west": jobless("烟洲社区"),
        "plain": jobless(kind=None),  # no assistance: a target through the unemployed group only
    }
    screening.rescreen(everyone=True)
    # Placed in the group as a worker's decision would (the demo household's income is not low).
    GroupDecision.objects.create(
        person=people["plain"], group="unemployed", rule_version="t", params_version="t", fingerprint=1
    )
    tallies.apply_households([people["plain"].household_id])
    services.survey_record(
        household=people["west"].household,
        user=xiqu,
        method="phone",
        result="not_reached",
        contacted_on=TODAY - dt.timedelta(days=40),
    )
    return people


def test_rows_match_after_screening_and_a_survey(request, city, huayuan):
    assert_tallies_match(request)
    services.survey_record(
        household=city["dibao"].household,
        user=huayuan,
        method="on_site",
        result="wants_job",
        contacted_on=TODAY,
    )
    share = SurveyShare.objects.get(household=city["dibao"].household)
    assert share.last_contact == share.last_on_site == share.last_reached == TODAY
    assert share.last_phone is None
    assert_tallies_match(request)


def test_rows_match_after_a_placement_and_the_sweep_that_follows(
    request, city, huayuan, django_capture_on_commit_callbacks
):
    person = city["plain"]
    assert TargetShare.objects.get(person=person).unemployed
    post = Post.objects.create(town=town("东区街道"), name="保洁员", employer="东区", capacity=3)
    services.placement_start(person=person, post=post, user=huayuan, start_date=TODAY)
    assert_tallies_match(request)  # employed, still in the group until the household is re-screened
    # The sweep moves them out of the group (force: the decision above is not in its stored state).
    screening.rescreen(household_ids=[person.household_id], force=True)
    assert not TargetShare.objects.filter(person=person).exists()
    assert_tallies_match(request)


def test_rows_match_after_a_sweep_moves_someone_out_of_the_unemployed_group(request, city, dongqu):
    person = city["dibian"]
    assert TargetShare.objects.get(person=person).unemployed
    Person.objects.filter(pk=person.pk).update(employment=hc.Employment.EMPLOYED)
    screening.rescreen(household_ids=[person.household_id])
    assert TargetShare.objects.get(person=person).unemployed is False
    assert TargetShare.objects.get(person=person).dibian
    assert_tallies_match(request)


def test_a_birthday_crossing_working_age_counts_after_the_nightly_task(request, city):
    household = HouseholdFactory(community=community("花苑社区"))
    head = jobless(household=household, age=40, kind=hc.AssistanceKind.DIBAO)
    child = PersonFactory(household=household, birth=years_ago(16))  # 16 today
    tallies.rebuild(on=TODAY - dt.timedelta(days=1))  # last night: still 15
    assert set(TargetShare.objects.filter(household=household).values_list("person_id", flat=True)) == {
        head.pk
    }
    assert refresh_survey_tallies() == SurveyShare.objects.count()
    assert TargetShare.objects.get(person=child).dibao
    assert_tallies_match(request)


def test_rebuild_stats_rebuilds_the_survey_rows(request, city):
    kept = (stored_targets(), tally_rows())
    TargetShare.objects.all().delete()
    SurveyShare.objects.all().delete()
    SurveyTally.objects.all().delete()
    call_command("rebuild_stats", stdout=open("/dev/null", "w"))
    assert (stored_targets(), tally_rows()) == kept
    assert_tallies_match(request)


def test_rows_carry_the_birth_date_after_a_write_and_after_a_rebuild(city):
    household = HouseholdFactory(community=community("花苑社区"))
    older = jobless(household=household, age=50)
    younger = jobless(household=household, age=20)
    tallies.apply_households([household.pk])
    births = dict(TargetShare.objects.filter(household=household).values_list("person_id", "birth"))
    assert births == {older.pk: older.birth_date, younger.pk: younger.birth_date}
    assert_births_match()
    TargetShare.objects.update(birth=dt.date(1900, 1, 1))
    tallies.rebuild()
    assert TargetShare.objects.get(person=younger).birth == younger.birth_date
    assert_births_match()
