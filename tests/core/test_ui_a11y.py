"""Shared page furniture: forms, filters, navigation and styles that every page inherits (WCAG 2.1 AA,
issue 8). The browser-side checks (axe-core, layout) are in tests/browser/test_accessibility.py."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from assessments.models import GroupDecision
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    """Every start tag as (name, attrs dict), in order."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def ids(self) -> set[str]:
        return {attrs["id"] for _tag, attrs in self.tags if attrs.get("id")}

    def find(self, tag: str, **wanted) -> list[dict]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k.rstrip("_")) == v for k, v in wanted.items())
        ]


def page(client, url, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_described_by_ids_exist(html: str):
    tags = Tags(html)
    ids = tags.ids()
    for _name, attrs in tags.tags:
        for ref in (attrs.get("aria-describedby") or "").split():
            assert ref in ids, f"aria-describedby={ref!r} points at no element"


# --- forms ----------------------------------------------------------------------------------------


class ChoicesForm(forms.Form):
    verdict = forms.ChoiceField(
        label="人工认定", choices=[("confirm", "确认"), ("reject", "否定")], widget=forms.RadioSelect
    )
    flags = forms.MultipleChoiceField(
        label="标记", choices=[("a", "甲"), ("b", "乙")], widget=forms.CheckboxSelectMultiple, required=False
    )
    agreed = forms.BooleanField(label="已核实", required=False, help_text="打勾表示已上门核实")
    name = forms.CharField(label="姓名", help_text="可留空")


def render_form(form) -> str:
    return render_to_string("includes/form_fields.html", {"form": form})


def test_radio_group_is_a_fieldset_whose_choices_sit_inside_their_own_labels():
    html = render_form(ChoicesForm())
    # One legend per group, no <label> of the field itself around the group: only the field's
    # legend carries the required mark (CSS: .field.required > label, legend), not every choice.
    assert html.count("<legend>") == 2
    assert re.search(r"<fieldset[^>]*>\s*<legend>人工认定</legend>", html)
    for value, text in [("confirm", "确认"), ("reject", "否定")]:
        assert re.search(
            rf'<label for="id_verdict_\d">\s*<input type="radio" name="verdict" value="{value}"', html
        )
        assert re.search(rf'value="{value}"[^>]*>\s*{text}</label>', html)
    assert '<label for="id_verdict"' not in html


def test_single_checkbox_sits_before_its_own_label():
    html = render_form(ChoicesForm())
    assert re.search(
        r'<div class="check-row"><input type="checkbox" name="agreed"[^>]*id="id_agreed"[^>]*>'
        r'<label for="id_agreed">已核实</label></div>',
        html,
    )


def test_help_text_and_errors_have_the_ids_the_inputs_point_at():
    form = ChoicesForm(data={"name": ""})
    assert not form.is_valid()
    html = render_form(form)
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-describedby="id_agreed_helptext"' in html
    assert_described_by_ids_exist(html)


def test_failed_save_shows_an_error_summary_that_is_announced_and_links_to_the_fields():
    form = ChoicesForm(data={"name": ""})
    form.is_valid()
    html = render_form(form)
    summary = Tags(html).find("div", id="error-summary")
    assert summary and summary[0]["role"] == "alert" and summary[0]["tabindex"] == "-1"
    assert 'href="#id_verdict_0"' in html and 'href="#id_name"' in html
    assert "error-summary" not in render_form(ChoicesForm())


def test_decision_review_page_renders_the_radio_group_as_a_fieldset(login, huayuan, household):
    person = household.head
    decision = GroupDecision.objects.create(
        person=person,
        group="elderly",
        evidence={},
        rule_version="t",
        params_version="t",
        fingerprint=1,
    )
    html = page(login(huayuan), f"/groups/decisions/{decision.pk}/")
    assert re.search(r"<fieldset[^>]*>\s*<legend>人工认定</legend>", html)
    assert_described_by_ids_exist(html)


def test_login_error_is_announced_and_focusable():
    html = Client().post("/accounts/login/", {"username": "nobody", "password": "x"}).content.decode()
    error = Tags(html).find("div", id="login-error")
    assert error and error[0]["role"] == "alert" and error[0]["tabindex"] == "-1"
    assert 'aria-describedby="login-error"' in html
    assert "autofocus" not in html  # focus goes to the error, not back to the empty field


# --- filters ----------------------------------------------------------------------------------


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_filters_read_all_not_dashes_and_yes_no_starts_at_all(login, dongqu):
    html = page(login(dongqu), "/persons/")
    assert "---------" not in html
    assert options(html, "sex")[0] == "全部"
    assert options(html, "community")[0] == "全部"
    assert options(html, "needs_review") == ["全部", "是", "否"]


def test_yes_no_filter_still_reads_true_false_and_old_links(login, dongqu, household):
    head = household.head
    head.needs_review = True
    head.save()
    PersonFactory(household=household, name="王小红")
    client = login(dongqu)
    for value in ("true", "1", "2"):
        html = page(client, f"/persons/?needs_review={value}")
        assert "李小明" in html and "王小红" not in html, value
    assert "王小红" in page(client, "/persons/?needs_review=false")


def test_no_town_filter_for_a_community_worker_and_no_one_item_area_selects(login, huayuan, dongqu):
    html = page(login(huayuan), "/persons/")
    assert '<select name="town"' not in html and '<select name="community"' not in html
    html = page(login(dongqu), "/persons/")
    assert '<select name="town"' not in html  # one town only
    assert '<select name="community"' in html


def test_raw_id_filters_are_not_shown_but_links_using_them_still_filter(login, huayuan, household):
    other = PersonFactory(name="赵六")
    assert other.household_id != household.pk
    html = page(login(huayuan), f"/persons/?household={household.pk}")
    assert "家庭编号" not in html
    assert f'<input type="hidden" name="household" value="{household.pk}"' in html
    assert '<input type="hidden" name="person"' not in page(login(huayuan), "/groups/")


def test_no_repeated_option_in_the_task_queue_filter(login, huayuan):
    html = page(login(huayuan), "/tasks/")
    queue = options(html, "queue")
    assert queue.count("我的待办") == 1 and queue[0] == "我的待办"
    status = options(html, "status")
    assert status.count("待办") == 1 and status[0] == "待办"


def test_group_list_shows_its_default_current_filter_as_chosen(login, huayuan):
    html = page(login(huayuan), "/groups/")
    assert re.search(r'<select name="active"[^>]*>.*?<option value="true" selected>是</option>', html, re.S)


def test_filter_help_text_has_its_id(login, huayuan):
    html = page(login(huayuan), "/persons/")
    assert 'id="id_q_helptext"' in html
    assert_described_by_ids_exist(html)


def test_sorted_column_header_carries_aria_sort(login, huayuan, household):
    client = login(huayuan)
    assert re.search(
        r'<th aria-sort="ascending"><a class="sort" href="\?sort=-name">', page(client, "/persons/?sort=name")
    )
    assert 'aria-sort="descending"' in page(client, "/persons/?sort=-name")
    assert "aria-sort" not in page(client, "/persons/")


# --- the shared layout --------------------------------------------------------------------------


def test_skip_link_and_main_landmark(login, huayuan):
    html = page(login(huayuan), "/persons/")
    assert re.search(r'<body>\s*<a class="skip-link" href="#main">跳到主要内容</a>', html)
    assert '<main id="main" tabindex="-1">' in html


def test_active_navigation_item_has_aria_current(login, huayuan):
    nav = Tags(page(login(huayuan), "/persons/?q=x"))
    current = [a["href"] for a in nav.find("a") if a.get("aria-current") == "page"]
    assert current == ["/persons/"]


def test_language_is_changed_with_buttons_labelled_in_both_languages():
    html = Client().get("/accounts/login/").content.decode()
    assert "onchange" not in html and '<select name="language"' not in html
    group = Tags(html).find("div", class_="lang")
    assert group and group[0]["role"] == "group" and group[0]["aria-label"] == "语言 Language"
    buttons = Tags(html).find("button", name="language")
    assert [(b["value"], b["aria-pressed"]) for b in buttons] == [("zh-hans", "true"), ("en", "false")]


CSS = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()


def test_text_follows_the_browser_size_and_is_never_below_0_875rem():
    root = re.search(r":root\s*\{([^}]*)\}", CSS).group(1)
    assert "font-size" not in root
    for value in re.findall(r"font-size:\s*([^;}]+)", CSS):
        value = value.strip()
        if value.startswith(("var(", "inherit")):
            continue
        number, unit = re.fullmatch(r"([\d.]+)(rem|em)", value).groups()
        assert float(number) >= 0.875, f"font-size {value} is below 0.875rem"
    assert "--small: .875rem" in CSS


def test_one_strong_focus_outline_and_44px_targets():
    assert re.search(r":focus-visible \{ outline: 3px solid", CSS)
    assert "--target: 2.75rem" in CSS
    for selector in (".btn {", ".mainnav a {", ".topbar a, .topbar button {"):
        rule = CSS[CSS.index(selector) :].split("}", 1)[0]
        assert "min-height: var(--target)" in rule, selector


def test_sort_header_tag_without_request_sort():
    from django.template import Context, Template

    request = RequestFactory().get("/x/?q=a")
    html = Template('{% load care %}{% sort_header "name" "姓名" "hide-sm" %}').render(
        Context({"request": request})
    )
    assert html == '<th class="hide-sm"><a class="sort" href="?q=a&amp;sort=name">姓名</a></th>'


def contrast(a: str, b: str) -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def css_var(name: str) -> str:
    return re.search(rf"--{name}: (#[0-9a-f]{{6}})", CSS).group(1)


def test_grey_badges_muted_text_and_input_borders_are_dark_enough():
    grey = re.search(r"\.badge\.archived[^{]*\{ background: (#\w{6}); color: (#\w{6}); \}", CSS)
    assert contrast(grey.group(2), grey.group(1)) >= 4.5  # 已终止, 已归档 (was 4.41:1)
    assert contrast(css_var("muted"), css_var("bg")) >= 4.5
    assert contrast(css_var("field-border"), "#ffffff") >= 3  # input borders (was 1.5:1)
    assert contrast(css_var("focus"), "#ffffff") >= 3
    assert contrast(css_var("info"), "#ffffff") >= 4.5  # links


def test_no_empty_table_headers_on_the_person_page(login, huayuan, household):
    from tests.factories import AssistanceStatusFactory

    person = household.head
    AssistanceStatusFactory(person=person)
    GroupDecision.objects.create(
        person=person, group="elderly", evidence={}, rule_version="t", params_version="t", fingerprint=1
    )
    html = page(login(huayuan), f"/persons/{person.pk}/")
    assert html.count("<th>") >= 5
    assert not re.search(r"<th[^>]*>\s*</th>", html)
    assert '<th><span class="visually-hidden">操作</span></th>' in html


def test_pagination_is_a_labelled_navigation_with_named_arrows(login, huayuan, household):
    for n in range(21):
        PersonFactory(household=household, name=f"王{n}")
    html = page(login(huayuan), "/persons/?per_page=10&page=2")
    assert '<nav class="pagination" aria-label="分页">' in html
    assert 'aria-label="第一页">«</a>' in html and 'aria-label="最后一页">»</a>' in html
