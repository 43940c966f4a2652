"""Survey counts per town against a hand-counted registry, and every number links to its list."""

import datetime as dt
import html
import re

import pytest

from assessments.models import GroupDecision
from employment import services, tallies
from employment.selectors import raw_survey_progress, survey_progress, visible_towns
from households import choices as hc
from households.models import Division, Household
from tests.factories import AssistanceStatusFactory, HouseholdFactory, PersonFactory, community

from .conftest import TODAY, years_ago

pytestmark = pytest.mark.django_db
OLD = TODAY - dt.timedelta(days=30)


def _household(community_name, *, age, kind=hc.AssistanceKind.DIBAO, ended=False):
    household = HouseholdFactory(community=community(community_name))
    person = PersonFactory(household=household, birth=years_ago(age))
    if kind:
        status = AssistanceStatusFactory(person=person, kind=kind)
        if ended:
            status.end_date = TODAY - dt.timedelta(days=200)
            status.start_date = TODAY - dt.timedelta(days=900)
            status.save()
    return household, person


@pytest.fixture
def registry(huayuan, dongqu, xiqu):
    """东区 (花苑 + 竹苑) and 西区 (烟洲) households; comments say why each is or is not counted."""
    h = {}
    h["h1"], _ = _household("花苑社区", age=35)  # target; on site, reached, 30 days ago
    h["h2"], _ = _household("花苑社区", age=40, kind=hc.AssistanceKind.DIBIAN)  # target; phone, not reached
    h["h3"], _ = _household("竹苑社区", age=70)  # retired: not a target, its contact does not count
    h["h4"], _ = _household("竹苑社区", age=25, kind=hc.AssistanceKind.DIBIAN)  # target; never contacted
    h["h5"], _ = _household("竹苑社区", age=30, kind=hc.AssistanceKind.TEKUN)  # 特困 only: not a target
    h["h6"], _ = _household("花苑社区", age=12)  # a child only: not a target
    h["h7"], _ = _household("花苑社区", age=30)  # target; phone not reached, then on site reached
    h["h8"], _ = _household("花苑社区", age=30, ended=True)  # 低保 ended: not a target
    h["w1"], _ = _household("烟洲社区", age=45)  # target; phone, reached
    h["w2"], grouped = _household("烟洲社区", age=33, kind=None)  # target through the unemployed group
    GroupDecision.objects.create(
        person=grouped, group="unemployed", rule_version="t", params_version="t", fingerprint=1
    )
    contacts = [
        ("h1", "on_site", "wants_job", OLD, huayuan),
        ("h2", "phone", "not_reached", TODAY, huayuan),
        ("h3", "on_site", "no_intention", TODAY, dongqu),
        ("h7", "phone", "not_reached", OLD, huayuan),
        ("h7", "on_site", "wants_training", TODAY, huayuan),
        ("w1", "phone", "employed", TODAY, xiqu),
    ]
    for key, method, result, day, user in contacts:
        services.survey_record(household=h[key], user=user, method=method, result=result, contacted_on=day)
    tallies.rebuild()  # the group decision and the ended status above were written past the services
    return h


EAST = {
    "target": 4,
    "surveyed": 3,
    "on_site": 2,
    "phone": 2,
    "reached": 2,
    "not_reached": 1,
    "not_surveyed": 1,
}
WEST = {
    "target": 2,
    "surveyed": 1,
    "on_site": 0,
    "phone": 1,
    "reached": 1,
    "not_reached": 0,
    "not_surveyed": 1,
}
ZERO = dict.fromkeys(EAST, 0)


def _by_town(rows):
    return {row["town"].name: {k: row[k] for k in EAST} for row in rows}


def test_counts_per_town_match_the_hand_count(registry, admin_user):
    rows = survey_progress(admin_user, visible_towns(admin_user))
    assert rows == raw_survey_progress(Household.objects.all(), visible_towns(admin_user))
    table = _by_town(rows)
    assert len(rows) == 23 == Division.objects.towns().count()
    assert table["东区街道"] == EAST
    assert table["西区街道"] == WEST
    assert all(counts == ZERO for name, counts in table.items() if name not in ("东区街道", "西区街道"))


def test_since_counts_only_later_contacts(registry, admin_user):
    since = TODAY - dt.timedelta(days=10)
    rows = survey_progress(admin_user, visible_towns(admin_user), since=since)
    assert rows == raw_survey_progress(Household.objects.all(), visible_towns(admin_user), since=since)
    east = _by_town(rows)["东区街道"]
    # h1's only contact is older; h7 keeps its recent on-site contact.
    assert east == {
        "target": 4,
        "surveyed": 2,
        "on_site": 1,
        "phone": 1,
        "reached": 1,
        "not_reached": 1,
        "not_surveyed": 2,
    }


LINK = re.compile(r'<a href="(/employment/surveys/households/\?[^"]+)">(\d+)</a>')


@pytest.mark.parametrize(
    ("persona", "towns"), [("admin_user", 23), ("dongqu", 1), ("huayuan", 1), ("xiqu", 1)]
)
def test_every_number_on_the_page_is_a_link_to_exactly_that_many_households(
    registry, persona, towns, login, request
):
    client = login(request.getfixturevalue(persona))
    page = client.get("/employment/surveys/progress/")
    assert page.status_code == 200
    assert len(page.context["rows"]) == towns
    links = LINK.findall(page.content.decode())
    assert len(links) == (towns + 1) * 7 + 3  # each cell, the totals row, the three summary figures
    for url, number in links:
        listed = client.get(html.unescape(url) + "&per_page=200")  # a data dict would replace the query
        assert listed.status_code == 200, url
        assert listed.context["paginator"].count == int(number), url


def test_community_worker_counts_only_their_community(registry, huayuan):
    rows = survey_progress(huayuan, visible_towns(huayuan))
    assert _by_town(rows)["东区街道"] == {
        "target": 3,
        "surveyed": 3,
        "on_site": 2,
        "phone": 2,
        "reached": 2,
        "not_reached": 1,
        "not_surveyed": 0,
    }


def test_api_progress_is_the_same_table(registry, login, dongqu):
    response = login(dongqu).get("/api/employment-surveys/progress/")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["town_name"] == "东区街道" and {k: row[k] for k in EAST} == EAST


def test_bad_dates_are_explained_not_500s(registry, login, admin_user):
    client = login(admin_user)
    page = client.get("/employment/surveys/progress/", {"since": "去年"})
    assert page.status_code == 200 and "日期格式不正确" in page.content.decode()
    listed = client.get("/employment/surveys/households/", {"state": "surveyed", "since": "2026-13-40"})
    assert listed.status_code == 200
    api = client.post(
        "/api/employment-surveys/",
        {
            "household": registry["h4"].pk,
            "method": "phone",
            "result": "wants_job",
            "contacted_on": "2031-01-01",
        },
        content_type="application/json",
    )
    assert api.status_code == 400 and "不能晚于今天" in api.json()["contacted_on"][0]
    wrong = client.post(
        "/api/employment-surveys/",
        {"household": registry["h4"].pk, "method": "fax", "result": "wants_job", "contacted_on": str(TODAY)},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "method" in wrong.json()


def test_survey_of_a_person_from_another_household_is_refused(registry, login, huayuan):
    other = registry["h2"].members.first()
    response = login(huayuan).post(
        "/api/employment-surveys/",
        {
            "household": registry["h1"].pk,
            "person": other.pk,
            "method": "phone",
            "result": "wants_job",
            "contacted_on": str(TODAY),
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "不是本家庭成员" in response.json()["person"][0]


def test_api_progress_takes_a_period_and_refuses_a_bad_date(registry, login, dongqu):
    client = login(dongqu)
    since = (TODAY - dt.timedelta(days=10)).isoformat()
    (row,) = client.get("/api/employment-surveys/progress/", {"since": since}).json()
    assert row["surveyed"] == 2
    bad = client.get("/api/employment-surveys/progress/", {"since": "上个月"})
    assert bad.status_code == 400 and "since" in bad.json()
