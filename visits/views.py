"""The volunteer's pages (探访志愿者): their paired households as cards, one household, one person.

Only what a visit needs (core.privacy): names, sex, age, address, care notes, groups as plain
words, their own team, and the phone number behind a logged reveal. No ID number, birth date,
income, assistance, disability details, 计生特殊家庭, statistics or change log. The household and
person pages send volunteers here (households/views.py), so the staff pages never render for them.
"""

from django.db.models import Prefetch
from django.views.generic import TemplateView

from core.views import ObjectDetailView
from households.choices import RecordStatus, Relation
from households.models import Household, Person

from .selectors import for_visit


def _label(household) -> None:
    """Name a household by its head from the prefetched members (no query per card)."""
    head = next((m for m in household.visit_members if m.relation == Relation.HEAD), None)
    household.head_name = head.name if head else ""


class VisitHomeView(TemplateView):
    template_name = "visits/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        households = list(
            for_visit(Household.objects.restrict(user).filter(status=RecordStatus.ACTIVE), user).order_by(
                "community__code", "address", "id"
            )
        )
        for household in households:
            _label(household)
        teams = sorted({p.team.name for h in households for p in h.my_pairings})
        return super().get_context_data(households=households, teams=teams, **kwargs)


class VisitHouseholdView(ObjectDetailView):
    model = Household
    template_name = "visits/household.html"

    def base_queryset(self):
        return for_visit(Household.objects.all(), self.request.user)

    def get_context_data(self, **kwargs):
        _label(self.object)
        return super().get_context_data(**kwargs)


class VisitPersonView(ObjectDetailView):
    model = Person
    template_name = "visits/person.html"

    def base_queryset(self):
        from assessments.models import GroupDecision

        return Person.objects.select_related("household__community").prefetch_related(
            Prefetch(
                "group_decisions",
                queryset=GroupDecision.objects.filter(active=True).only("id", "person_id", "group"),
                to_attr="current_group_list",
            )
        )
