from .models import Pairing


def paired_household_ids(user):
    """Households a volunteer may see: open pairings of the active teams they belong to."""
    return Pairing.objects.filter(
        ended_on__isnull=True,
        team__is_active=True,
        team__members__user=user,
        team__members__is_active=True,
    ).values("household_id")
