"""An employed person leaves the ``unemployed`` group through re-screening, with history."""

import datetime as dt

import pytest

from assessments import screening
from assessments.models import GroupDecision, ScreeningMark
from employment import services
from employment.models import Post
from households.models import Person
from tests.factories import town

from .conftest import TODAY, jobless

pytestmark = pytest.mark.django_db


def in_group(person) -> bool:
    return GroupDecision.objects.filter(person=person, group="unemployed", active=True).exists()


@pytest.fixture
def screened(db):
    person = jobless()
    screening.rescreen(everyone=True)  # the baseline
    assert in_group(person)
    ScreeningMark.objects.all().delete()
    return person


def _assert_left_with_history(person, worker):
    decision = GroupDecision.objects.get(person=person, group="unemployed")
    assert not decision.active and decision.ended_at is not None
    assert decision.end_reason == "不再符合条件"
    row = Person.history.filter(id=person.pk).order_by("-history_date", "-history_id").first()
    assert row.employment == "employed" and row.history_user == worker
    assert row.prev_record.employment == "unemployed"


def test_referral_outcome_employed_ends_the_unemployed_placement(
    screened, huayuan, django_capture_on_commit_callbacks
):
    referral = services.referral_add(
        person=screened,
        user=huayuan,
        kind="recommendation",
        employer="明阳电器",
        position="装配工",
        referred_on=TODAY,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_outcome(
            referral=referral, user=huayuan, outcome="employed", employed_at="明阳电器", employed_from=TODAY
        )
    # The database marked the household (the nightly sweep would find it) ...
    assert ScreeningMark.objects.filter(household_id=screened.household_id).exists()
    # ... and the registry's hook re-screened it at once, after the commit.
    _assert_left_with_history(screened, huayuan)


def test_the_outcome_page_does_the_same(screened, huayuan, login, django_capture_on_commit_callbacks):
    referral = services.referral_add(
        person=screened,
        user=huayuan,
        kind="recruitment",
        employer="华帝",
        position="包装工",
        referred_on=TODAY,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login(huayuan).post(
            f"/employment/referrals/{referral.pk}/outcome/",
            {"outcome": "employed", "employed_at": "华帝股份", "employed_from": TODAY.isoformat()},
        )
    assert response.status_code == 302
    _assert_left_with_history(screened, huayuan)
    page = login(huayuan).get(f"/employment/people/{screened.pk}/").content.decode()
    assert "退出" in page and "华帝股份" in page


def test_a_public_welfare_placement_is_employment_and_leaving_it_brings_the_person_back(
    screened, huayuan, django_capture_on_commit_callbacks
):
    post = Post.objects.create(town=town("东区街道"), name="保洁员", employer="东区", capacity=3)
    with django_capture_on_commit_callbacks(execute=True):
        placement = services.placement_start(person=screened, post=post, user=huayuan, start_date=TODAY)
    _assert_left_with_history(screened, huayuan)
    with django_capture_on_commit_callbacks(execute=True):
        services.placement_end(
            placement=placement,
            user=huayuan,
            end_date=TODAY,
            reason="合同到期",
            employment_after="unemployed",
        )
    assert in_group(screened)
    assert GroupDecision.objects.filter(person=screened, group="unemployed").count() == 2  # two stays


def test_profile_edit_of_the_status_feeds_the_rules_too(
    screened, huayuan, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(huayuan).post(
            f"/employment/people/{screened.pk}/profile/",
            {"employment": "employed", "education": "junior", "intention": "wage_job", "skills": "电工"},
        )
    assert response.status_code == 302, response.content.decode()[:500]
    _assert_left_with_history(screened, huayuan)


def test_other_outcomes_leave_the_person_in_the_group(screened, huayuan, django_capture_on_commit_callbacks):
    referral = services.referral_add(
        person=screened, user=huayuan, kind="recommendation", employer="x", position="y", referred_on=TODAY
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_outcome(referral=referral, user=huayuan, outcome="not_hired")
    assert in_group(screened)
    assert Person.objects.get(pk=screened.pk).employment == "unemployed"


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"outcome": "employed", "employed_from": str(TODAY)}, "employed_at", "请填写就业单位"),
        ({"outcome": "employed", "employed_at": "厂"}, "employed_from", "请填写就业日期"),
        (
            {"outcome": "employed", "employed_at": "厂", "employed_from": str(TODAY + dt.timedelta(days=3))},
            "employed_from",
            "不能晚于今天",
        ),
        ({"outcome": "pending"}, "outcome", ""),
        ({"outcome": "hired!"}, "outcome", ""),
    ],
)
def test_api_outcome_refusals_are_chinese_400s(screened, huayuan, login, body, field, text):
    referral = services.referral_add(
        person=screened, user=huayuan, kind="recommendation", employer="x", position="y", referred_on=TODAY
    )
    response = login(huayuan).post(
        f"/api/job-referrals/{referral.pk}/outcome/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    message = response.json()[field][0]
    assert text in message and any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_a_second_outcome_is_refused(screened, huayuan):
    referral = services.referral_add(
        person=screened, user=huayuan, kind="recommendation", employer="x", position="y", referred_on=TODAY
    )
    services.referral_outcome(referral=referral, user=huayuan, outcome="declined")
    with pytest.raises(Exception, match="已登记结果"):
        services.referral_outcome(referral=referral, user=huayuan, outcome="not_hired")
