from django import template

from assistance.models import Need

register = template.Library()


@register.inclusion_tag("assistance/household_needs.html", takes_context=True)
def household_needs(context, household, limit=20):
    """The household page's needs card: open needs first, urgent first, oldest first."""
    user = context["user"]
    needs = Need.objects.restrict(user).filter(household=household).select_related("person", "item")
    return {
        "household": household,
        "needs": list(needs.ledger_order()[:limit]),
        "open_count": needs.open().count(),
        "total": needs.count(),
        "user": user,
    }


@register.filter
def eligibility_text(item) -> list[str]:
    from assistance.eligibility import describe

    return describe(item)


@register.filter
def get_key(mapping, key):
    return mapping.get(key, "")


@register.inclusion_tag("assistance/household_recommendations.html", takes_context=True)
def household_recommendations(context, household, limit=20):
    from assistance.models import Recommendation
    from assistance.selectors import with_reasons

    user = context["user"]
    recs = Recommendation.objects.restrict(user).filter(household=household)
    page = recs.select_related("item", "person", "household").order_by("status", "-pushed_at")[:limit]
    return {
        "household": household,
        "recommendations": with_reasons(page),
        "open_count": recs.open().count(),
        "total": recs.count(),
        "user": user,
    }


@register.inclusion_tag("assistance/household_plan.html", takes_context=True)
def household_plan(context, household):
    from assistance import choices as c
    from assistance.models import CarePlan

    user = context["user"]
    plans = CarePlan.objects.restrict(user).filter(household=household).order_by("-edition")
    latest = plans.first()
    return {
        "household": household,
        "in_force": plans.filter(status__in=c.PLAN_IN_FORCE).first(),
        "in_progress": plans.filter(status__in=c.PLAN_IN_PROGRESS).first(),
        "latest": latest,
        "user": user,
    }


@register.inclusion_tag("assistance/need_suggestions.html", takes_context=True)
def need_suggestions(context, person):
    """Needs a placement or a confirmed alert usually brings, offered for one click."""
    from assistance.suggest import for_person

    request = context["request"]
    return {
        "person": person,
        "suggestions": for_person(person) if person is not None else [],
        "next": request.get_full_path(),
        "user": context["user"],
        "csrf_token": context.get("csrf_token"),
    }
