"""The summary rows (stats) equal the raw counts after imports, edits, moves and sweeps, for
every persona's area; the home and groups pages show them."""

import datetime as dt

import pytest
from django.core.management import call_command

from assessments import screening
from households import choices as c
from households import services
from households.models import AssistanceStatus, Household, Person
from stats import selectors
from stats.models import PersonTally
from tests.factories import community, make_id_number
from tests.imports.conftest import make_id, person, run, write_csv

pytestmark = pytest.mark.django_db

PERSONAS = ["admin_user", "manager", "dongqu", "huayuan", "xiqu"]


def _nonzero(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if v}


def assert_tallies_match(request):
    for name in PERSONAS:
        user = request.getfixturevalue(name)
        summary, raw = selectors.home_counts(user), selectors.raw_home_counts(user)
        assert {**summary, "statuses": _nonzero(summary["statuses"])} == {
            **raw,
            "statuses": _nonzero(raw["statuses"]),
        }, name
        assert _nonzero(selectors.group_counts(user)) == _nonzero(selectors.raw_group_counts(user)), name


def roster(tmp_path, name, people):
    return write_csv(tmp_path / name, people)


@pytest.fixture
def imported(tmp_path):
    """Two households in 花苑社区 and one in 西区's 烟洲社区, imported as the bureau does."""
    people = [
        person(姓名="陈大文", 公民身份号码=make_id(), 户编号="A1", 救助类型="低保"),
        person(姓名="李秀英", 公民身份号码=make_id(male=False), 户编号="A1", 与户主关系="配偶"),
        person(
            姓名="陈小明",
            公民身份号码=make_id(birth=dt.date(2012, 5, 1)),
            户编号="A1",
            与户主关系="子",
            救助类型="孤儿",
        ),
        person(
            姓名="王老伯",
            公民身份号码=make_id(birth=dt.date(1935, 1, 2)),
            户编号="B1",
            救助类型="特困（分散供养）",
        ),
        person(
            **{
                "姓名": "黄一",
                "公民身份号码": make_id(),
                "户编号": "C1",
                "镇街": "西区街道",
                "村（社区）": "烟洲社区",
                "救助类型": "低边",
            }
        ),
    ]
    batch, _summary = run(roster(tmp_path, "r1.csv", people), snapshot_date=dt.date(2024, 3, 31))
    assert batch.status == "committed", batch.status
    return people


def test_counts_equal_raw_after_import_edits_moves_and_sweeps(request, tmp_path, imported, admin_user):
    assert_tallies_match(request)
    admin = selectors.home_counts(admin_user)
    assert admin["persons"] == 5 and admin["households"] == 3
    assert admin["statuses"]["dibao"] >= 1

    # A sweep places people in groups (the groups page counts).
    screening.rescreen(everyone=True, full=True)
    assert sum(selectors.group_counts(admin_user).values()) > 0
    assert_tallies_match(request)

    # Edits through the services: a death, a new status, an ended one, a review flag.
    elder = Person.objects.get(name="王老伯")
    services.person_set_status(person=elder, user=admin_user, status=c.PersonStatus.DECEASED)
    son = Person.objects.get(name="陈小明")
    services.status_add(
        person=son, user=admin_user, data={"kind": c.AssistanceKind.DIBAO, "start_date": dt.date(2024, 1, 1)}
    )
    services.status_end(
        status=AssistanceStatus.objects.get(person__name="陈大文", kind="dibao"),
        user=admin_user,
        end_date=dt.date.today(),
    )
    Person.objects.filter(name="李秀英").update(needs_review=True)
    services.person_update(person=Person.objects.get(name="李秀英"), user=admin_user, data={"name": "李秀英"})
    assert_tallies_match(request)

    # A household moves to another town's community; a person moves to another household.
    chen = Household.objects.get(members__name="陈大文")
    services.household_update(household=chen, user=admin_user, data={"community": community("烟洲社区")})
    assert Person.objects.filter(household=chen, community=community("烟洲社区")).count() == 3
    huang = Household.objects.get(members__name="黄一")
    newcomer = services.person_create(
        household=huang,
        user=admin_user,
        data={"name": "黄二", "relation": c.Relation.SPOUSE},
        id_number=make_id_number(),
    )
    services.person_update(
        person=newcomer, user=admin_user, data={}, household=Household.objects.get(members__name="王老伯")
    )
    assert Person.objects.get(pk=newcomer.pk).community == community("花苑社区")
    services.household_set_archived(household=huang, user=admin_user, archived=True)
    assert_tallies_match(request)

    # The incremental sweep after those edits, and a full one.
    screening.rescreen(everyone=True)
    assert_tallies_match(request)
    screening.rescreen(everyone=True, full=True)
    assert_tallies_match(request)


def test_second_import_moves_and_exits_keep_counts_exact(request, tmp_path, imported):
    screening.rescreen(everyone=True, full=True)
    # The next roster: 陈 family moved to 烟洲社区, 王老伯 no longer listed (exit), a newcomer.
    people = [dict(p) for p in imported if p["姓名"] != "王老伯"]
    for p in people[:3]:
        p.update({"镇街": "西区街道", "村（社区）": "烟洲社区"})
    people.append(person(姓名="赵新", 公民身份号码=make_id(), 户编号="D1", 救助类型="低保"))
    batch, _summary = run(roster(tmp_path, "r2.csv", people), snapshot_date=dt.date(2024, 6, 30))
    assert batch.status == "committed", batch.status
    assert set(Person.objects.filter(name="陈大文").values_list("community__name", flat=True)) == {"烟洲社区"}
    assert_tallies_match(request)
    screening.rescreen(everyone=True)
    assert_tallies_match(request)


def test_rebuild_command_gives_the_same_rows(request, imported):
    screening.rescreen(everyone=True, full=True)
    before = sorted(
        PersonTally.objects.values_list("community_id", "group", "kind", "person_status", "persons")
    )
    PersonTally.objects.all().delete()
    call_command("rebuild_stats", stdout=open("/dev/null", "w"))
    after = sorted(
        PersonTally.objects.values_list("community_id", "group", "kind", "person_status", "persons")
    )
    assert before == after and after
    assert_tallies_match(request)


def test_home_and_groups_pages_show_the_summary_counts(login, huayuan, imported):
    """The pages read the rows: a row changed behind the registry's back shows on the page."""
    screening.rescreen(everyone=True, full=True)
    client = login(huayuan)
    assert client.get("/").context["person_count"] == 4
    PersonTally.objects.filter(
        group="", kind="", person_status="active", community=community("花苑社区")
    ).update(persons=1234)
    assert client.get("/").context["person_count"] == 1234
    groups = dict((code, n) for code, _label, n in client.get("/groups/").context["group_counts"])
    assert groups == {**groups, **selectors.raw_group_counts(huayuan)}
