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
