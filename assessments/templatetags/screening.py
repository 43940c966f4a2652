"""Template helpers of screening: the person page's groups panel and task labels."""

from django import template
from django.utils.translation import gettext as _

from core.scoping import VIEW

from ..choices import TaskKind
from ..models import GroupDecision, Override

register = template.Library()


@register.inclusion_tag("assessments/person_groups_panel.html", takes_context=True)
def person_groups_panel(context, person):
    """Current groups of a person with their explanation, tier and the worker's verdict.

    Self-sufficient (two queries) so the person page needs no change in its view.
    """
    user = context["request"].user
    if getattr(user, "is_volunteer", False):
        return {"visible": False}
    decisions = list(
        GroupDecision.objects.restrict(user, VIEW).filter(person_id=person.pk, active=True).order_by("group")
    )
    overrides = list(
        Override.objects.restrict(user, VIEW)
        .filter(person_id=person.pk, active=True)
        .select_related("created_by")
    )
    by_group = {o.group: o for o in overrides}
    for decision in decisions:
        decision.current_override = by_group.get(decision.group)
    return {
        "visible": True,
        "decisions": decisions,
        "rejected": [o for o in overrides if o.verdict == "reject"],
        "can_write": bool(getattr(user, "can_write", False)),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def task_kind_label(kind: str) -> str:
    try:
        return TaskKind(kind).label
    except ValueError:
        return _("其他待办")  # never the raw code
