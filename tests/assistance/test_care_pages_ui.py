"""What the care pages show (h-uireview): phone cards, links to the rest, the A4 print page, and a
change history that names staff instead of showing their id."""

import datetime as dt

import pytest

from assistance import choices as c
from assistance.models import CarePlan, CatalogItem, Need, Recommendation
from assistance.services import need_record, need_transition
from core.history import _display
from households.models import Household
from tests.factories import HouseholdFactory, community

pytestmark = pytest.mark.django_db
LATER = (dt.date.today() + dt.timedelta(days=40)).isoformat()


def test_ledger_rows_become_labelled_cards_on_a_phone(login, huayuan, household):
    need_record(user=huayuan, household=household, domain="care", description="需要助餐", source="visit")
    page = login(huayuan).get("/needs/").content.decode()
    assert 'class="list cards titled"' in page
    assert 'data-label="需求描述"' in page and 'data-label="状态"' in page


def test_household_card_links_to_all_recommendations_when_it_shows_only_some(login, huayuan, household):
    items = list(CatalogItem.objects.all()[:21])
    assert len(items) == 21
    Recommendation.objects.bulk_create(Recommendation(household=household, item=item) for item in items)
    page = login(huayuan).get(f"/households/{household.pk}/").content.decode()
    assert f"/push/?household={household.pk}" in page and "查看全部 21 项" in page


def test_household_card_has_no_more_link_when_everything_is_shown(login, huayuan, household):
    Recommendation.objects.create(household=household, item=CatalogItem.objects.first())
    page = login(huayuan).get(f"/households/{household.pk}/").content.decode()
    assert f"/push/?household={household.pk}" not in page


def test_print_page_names_the_household_and_says_when_there_are_no_actions(login, huayuan, household):
    login(huayuan).post(f"/households/{household.pk}/plans/new/", {"goals": "目标", "review_on": LATER})
    plan = CarePlan.objects.get()
    page = login(huayuan).get(f"/plans/{plan.pk}/print/").content.decode()
    assert str(household) in page.split("<h2>", 1)[0]
    assert 'class="sheet"' in page and "还没有帮扶措施。" in page


def test_history_names_the_worker_who_acted_not_their_id(login, huayuan, household):
    need = need_record(
        user=huayuan, household=household, domain="care", description="需要助餐", source="visit"
    )
    need_transition(need=need, to=c.NeedStatus.IN_PROGRESS, user=huayuan)
    page = login(huayuan).get(f"/needs/{need.pk}/").content.decode()
    assert f"#{huayuan.pk}" not in page
    assert f"→ {huayuan.get_full_name()}" in page


def test_history_hides_the_number_of_a_record_outside_the_area(huayuan, admin_user):
    elsewhere = HouseholdFactory(community=community("彩虹社区"))
    assert not Household.objects.restrict(huayuan).filter(pk=elsewhere.pk).exists()
    assert _display(Need, "household", elsewhere.pk, user=admin_user) == str(elsewhere)
    shown = str(_display(Need, "household", elsewhere.pk, user=huayuan))
    assert str(elsewhere.pk) not in shown and shown == "（无权查看的记录）"


def test_note_hint_lists_only_the_offered_choices_in_the_readers_language(huayuan, household):
    from django.utils import translation

    from assistance.forms import NeedTransitionForm

    need = need_record(user=huayuan, household=household, domain="care", description="x", source="visit")
    hint = NeedTransitionForm(need=need).fields["note"].help_text
    assert "未满足关闭：请说明未能满足的原因。" in hint
    assert "重新打开" not in hint  # a recorded need cannot be reopened
    with translation.override("en"):
        hint = NeedTransitionForm(need=need).fields["note"].help_text
        expected = translation.gettext("请说明未能满足的原因。")
    # Read in the reader's language (the table is built at import time, in Chinese). With a
    # catalog compiled from this branch's .po, the hint is English throughout.
    assert expected in hint
    if expected != "请说明未能满足的原因。":
        assert "请说明" not in hint


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/households/{pk}/needs/new/", "家庭"),
        ("/households/{pk}/plans/new/", "家庭"),
        ("/needs/", "需求台账"),
        ("/plans/", "关爱方案"),
        ("/push/uptake/", "幸福清单推送"),
    ],
)
def test_one_nav_entry_is_current(login, huayuan, household, url, current):
    """A household's 登记需求 and 制定方案 pages used to mark both 家庭 and 需求台账 (or 关爱方案)."""
    import re

    page = login(huayuan).get(url.format(pk=household.pk)).content.decode()
    nav = page.split('id="mainnav"', 1)[1].split("</nav>", 1)[0]
    marked = re.findall(r'aria-current="page">([^<]+)</a>', nav)
    assert marked == [current]
