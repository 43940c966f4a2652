"""我的待办 names every kind of task in Chinese: never the raw code of the app that made it."""

from assessments.templatetags.screening import task_kind_label


def test_the_care_plan_reminders_have_chinese_names():
    assert task_kind_label("plan_action_overdue") == "关爱方案措施逾期"
    assert task_kind_label("plan_review_due") == "关爱方案到期评估"
    assert task_kind_label("visit_overdue") == "探访逾期"


def test_an_unknown_kind_is_shown_as_other_not_as_its_code():
    assert task_kind_label("some_future_kind") == "其他待办"


def test_the_tenure_reminders_have_chinese_names():
    assert task_kind_label("placement_tenure_due") == "公益性岗位即将期满"
    assert task_kind_label("placement_tenure_reached") == "公益性岗位任职期满"
