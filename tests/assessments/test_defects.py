"""Other defects of issue 8: vagrants on the groups page, the full comparison's counters, a death
leaving 低保 current, the first edit of a demo record without a diff."""

import pytest
from django.core.management import call_command

from assessments import screening, services
from assessments.models import ScreeningSweep
from core.history import history_entries
from core.models import Task
from households import services as hs
from households.models import Household, Person
from tests.factories import AssistanceStatusFactory, HouseholdFactory, community

from .conftest import ON, make_person

pytestmark = pytest.mark.django_db


def _intake(user, **extra):
    return services.vagrant_create(
        user=user,
        data={
            "source": "outreach",
            "found_on": ON,
            "found_place": "东区兴中道天桥",
            "community": community("花苑社区"),
            "cannot_afford": True,
            "no_relatives": True,
            "not_on_assistance": True,
            "begging": True,
            **extra,
        },
    )


def _vagrant_count(page: str) -> int:
    """The number on the 流浪乞讨人员 card of the groups page."""
    before = page[: page.index("流浪乞讨人员</a>")]
    return int(
        before[before.rindex('<div class="n">') + len('<div class="n">') :].split("<")[0].replace(",", "")
    )


def test_registered_vagrant_is_counted_on_the_groups_page(huayuan, dongqu, xiqu, login):
    _intake(huayuan)  # no ID number: on no roster, so no registry person and no decision
    _intake(huayuan, begging=False)  # not every criterion: not in the group
    assert _vagrant_count(login(huayuan).get("/groups/").content.decode()) == 1
    assert _vagrant_count(login(dongqu).get("/groups/").content.decode()) == 1
    assert _vagrant_count(login(xiqu).get("/groups/").content.decode()) == 0  # another town's


def test_full_comparison_after_an_import_reports_what_it_compared(huayuan):
    """立即全员核对 right after an import (whose households were already re-screened) said 核对户数 0."""
    people = [
        make_person(age=30 + i, household=HouseholdFactory(community=community("花苑社区"))) for i in range(5)
    ]
    screening.rescreen(household_ids={p.household_id for p in people}, on=ON)  # the import's re-screen
    result = screening.rescreen(everyone=True, full=True, on=ON)
    sweep = ScreeningSweep.objects.get()
    assert result.changed == 0 and sweep.changed == 0
    assert sweep.mode == "full"
    assert sweep.households == Household.objects.count() == 5
    assert sweep.persons == Person.objects.count() == 5
    assert sweep.changed_households == 0
    assert (result.compared_households, result.compared_persons) == (5, 5)  # the job's result says so too


def test_full_comparison_really_compares_everyone(huayuan):
    people = [
        make_person(age=40, household=HouseholdFactory(community=community("花苑社区"))) for _ in range(3)
    ]
    screening.rescreen(everyone=True, on=ON)
    # A change the triggers cannot see (as after restoring a backup): only a full comparison finds it.
    from assessments.models import ScreeningState

    ScreeningState.objects.filter(person=people[1]).update(signature=0)
    result = screening.rescreen(everyone=True, full=True, on=ON)
    sweep = ScreeningSweep.objects.order_by("-id").first()
    assert result.changed == 1 and sweep.changed == 1 and sweep.changed_households == 1
    assert sweep.households == 3 and sweep.persons == 3


def test_sweep_page_shows_the_counters(admin_user, login):
    ScreeningSweep.objects.create(
        on=ON, mode="full", rule_version="r", params_version="p", households=20000, persons=51234, changed=0
    )
    page = login(admin_user).get("/groups/sweeps/").content.decode().replace(",", "")
    assert "20000" in page and "51234" in page and "核对人数" in page


def test_death_with_a_current_dibao_creates_a_task_to_end_it(huayuan, login):
    person = make_person(age=60)
    AssistanceStatusFactory(person=person, kind="dibao")
    response = login(huayuan).post(f"/persons/{person.pk}/status/", {"status": "deceased"}, follow=True)
    task = Task.objects.get(person=person, kind="status_end")
    assert "已死亡" in task.title and "低保" in task.title and task.assignee == huayuan
    assert "仍有有效的救助身份" in response.content.decode()
    # Recording the death again does not add a second task; a person without statuses gets none.
    person.refresh_from_db()  # the page's save moved the record's version on
    hs.person_set_status(person=person, user=huayuan, status="deceased")
    assert Task.objects.filter(person=person, kind="status_end").count() == 1
    other = make_person(age=61)
    hs.person_set_status(person=other, user=huayuan, status="deceased")
    assert not Task.objects.filter(person=other).exists()


def test_status_dropdown_shows_the_current_value(huayuan, login):
    person = make_person(age=60)
    hs.person_set_status(person=person, user=huayuan, status="archived")
    page = login(huayuan).get(f"/persons/{person.pk}/").content.decode()
    assert '<option value="archived" selected>' in page
    assert '<option value="active" selected>' not in page


def test_first_edit_of_a_demo_record_shows_the_changed_field(admin_user):
    call_command("seed_demo", households=3, no_users=True, verbosity=0)
    household = Household.objects.order_by("id").first()
    person = Person.objects.filter(household=household).first()
    assert household.history.filter(history_type="+").count() == 1
    assert person.history.filter(history_type="+").count() == 1
    old = household.address
    hs.household_update(household=household, user=admin_user, data={"address": "演示地址改动一号"})
    latest = history_entries(household.history.all(), "家庭", user=admin_user)[0]
    assert latest.action == "修改"
    assert [(str(label), str(a), str(b)) for label, a, b in latest.changes] == [
        ("家庭住址", old, "演示地址改动一号")
    ]


def test_decision_page_speaks_plain_chinese_technical_detail_for_admins_only(huayuan, admin_user, login):
    from assessments.models import GroupDecision

    person = make_person(age=40, disability_grade=1, disability_category="physical")
    screening.rescreen(everyone=True, on=ON)
    decision = GroupDecision.objects.get(person=person, group="disabled_ill")
    assert decision.evidence["rule"] == "disabled_ill.grade"
    worker_page = login(huayuan).get(f"/groups/decisions/{decision.pk}/").content.decode()
    for raw in (
        "disabled_ill.grade",
        decision.params_version,
        "screen_school_age_min",
        str(decision.fingerprint),
    ):
        assert raw not in worker_page, raw
    assert "重度残疾" in worker_page and "义务教育起始年龄（辍学预警）：6 岁" in worker_page
    assert "技术详情" not in worker_page
    person_page = login(huayuan).get(f"/persons/{person.pk}/").content.decode()
    assert decision.rule_version not in person_page
    admin_page = login(admin_user).get(f"/groups/decisions/{decision.pk}/").content.decode()
    assert (
        "技术详情" in admin_page
        and "disabled_ill.grade" in admin_page
        and "screen_school_age_min=6" in admin_page
    )
