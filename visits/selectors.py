from django.db.models import Case, IntegerField, Prefetch, Value, When

from .models import Pairing


def paired_household_ids(user):
    """Households a volunteer may see: open pairings of the active teams they belong to."""
    return Pairing.objects.filter(
        ended_on__isnull=True,
        team__is_active=True,
        team__members__user=user,
        team__members__is_active=True,
    ).values("household_id")


def for_visit(households, user):
    """What a visit page or the volunteer API shows of each household, in a fixed number of
    queries: town and community, the members still on record (``visit_members``) with their
    current groups (``current_group_list``), and the user's own open pairings (``my_pairings``)."""
    from assessments.models import GroupDecision
    from households.choices import PersonStatus
    from households.models import Person

    members = (
        Person.objects.exclude(status=PersonStatus.ARCHIVED)
        .annotate(
            is_head=Case(When(relation="head", then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("is_head", "birth_date", "id")
        .prefetch_related(
            Prefetch(
                "group_decisions",
                queryset=GroupDecision.objects.filter(active=True).only("id", "person_id", "group"),
                to_attr="current_group_list",
            )
        )
    )
    pairings = Pairing.objects.filter(
        ended_on__isnull=True,
        team__is_active=True,
        team__members__user=user,
        team__members__is_active=True,
    ).select_related("team")
    return households.select_related("town", "community").prefetch_related(
        Prefetch("members", queryset=members, to_attr="visit_members"),
        Prefetch("pairings", queryset=pairings, to_attr="my_pairings"),
    )
