from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from core import privacy
from core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, VersionedViewSetMixin
from core.drf import AdminOnly, ObjectJSONParser, RolePermission
from core.scoping import VIEW
from core.throttling import RevealBurstThrottle
from visits.selectors import for_visit

from .. import choices as c
from .. import services
from ..filtersets import AssistanceStatusFilterSet, DivisionFilterSet, HouseholdFilterSet, PersonFilterSet
from ..models import AssistanceStatus, Division, Household, Person, PolicyParameter
from . import serializers as s


def _current_statuses():
    return Prefetch("statuses", queryset=AssistanceStatus.objects.current(), to_attr="current_status_list")


def _current_groups():
    from assessments.models import GroupDecision

    return Prefetch(
        "group_decisions",
        queryset=GroupDecision.objects.filter(active=True).only("id", "person_id", "group"),
        to_attr="current_group_list",
    )


class DivisionViewSet(ScopedReadOnlyViewSet):
    """Divisions inside the caller's area (the whole city for city roles)."""

    queryset = Division.objects.select_related("parent")
    serializer_class = s.DivisionSerializer
    filterset_class = DivisionFilterSet
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Division.objects.select_related("parent").restrict(self.request.user)


class VisitViewMixin:
    """Volunteers get the visit serializer and no filters or ordering: a filter on assistance,
    disability or income would tell them what the visit view leaves out (minimum necessary)."""

    visit_serializer_class = None

    @property
    def visit_view(self) -> bool:
        return privacy.sees_visit_view_only(self.request.user)

    def get_serializer_class(self):
        return self.visit_serializer_class if self.visit_view else super().get_serializer_class()

    def filter_queryset(self, queryset):
        return queryset.order_by("-id") if self.visit_view else super().filter_queryset(queryset)


class HouseholdViewSet(VisitViewMixin, VersionedViewSetMixin, ScopedModelViewSet):
    queryset = Household.objects.all()
    serializer_class = s.HouseholdSerializer
    filterset_class = HouseholdFilterSet
    # Cursor pages cannot order by a nullable column (NULL rows vanish or the next page fails).
    ordering_fields = ["id", "updated_at"]

    visit_serializer_class = s.VisitHouseholdSerializer

    def get_queryset(self):
        if self.visit_view:
            return for_visit(super().get_queryset(), self.request.user)
        # A correlated subquery is evaluated for the page's rows only (no GROUP BY over the area).
        members = (
            Person.objects.filter(household=OuterRef("pk"))
            .exclude(status=c.PersonStatus.ARCHIVED)
            .order_by()
            .values("household")
            .annotate(n=Count("id"))
            .values("n")
        )
        queryset = super().get_queryset().annotate(member_count=Coalesce(Subquery(members), 0))
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "members",
                    queryset=Person.objects.prefetch_related(_current_statuses(), _current_groups()),
                )
            )
        return queryset

    def get_serializer_class(self):
        if self.visit_view:
            return self.visit_serializer_class
        return s.HouseholdDetailSerializer if self.action == "retrieve" else s.HouseholdSerializer

    @extend_schema(request=None, responses=s.HouseholdSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        household = services.household_set_archived(
            household=self.get_object(), user=request.user, archived=True
        )
        return Response(s.HouseholdSerializer(household, context={"request": request}).data)


class PersonViewSet(VisitViewMixin, VersionedViewSetMixin, ScopedModelViewSet):
    """Persons in the caller's area. ``?id_number=`` finds a person by full ID number (keyed hash)."""

    queryset = Person.objects.all()
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilterSet
    ordering_fields = ["id", "birth_date", "name_initials", "updated_at"]
    visit_serializer_class = s.VisitPersonSerializer

    def get_queryset(self):
        if self.visit_view:
            return super().get_queryset().prefetch_related(_current_groups())
        return super().get_queryset().prefetch_related(_current_statuses(), _current_groups())

    def scope_action(self):
        return VIEW if self.action == "reveal" else super().scope_action()

    def get_permissions(self):
        # Reveal is a POST that writes nothing but the log: read roles reach it, and it decides
        # itself (core.privacy.may_reveal) after the object is found in the caller's area (404).
        if self.action == "reveal":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=s.RevealSerializer, responses={200: dict})
    @action(detail=True, methods=["post"], throttle_classes=[RevealBurstThrottle, UserRateThrottle])
    def reveal(self, request, pk=None):
        """Return the clear ID or phone number; every call is logged."""
        person = self.get_object()
        body = s.RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        if not privacy.may_reveal(request.user, field):
            return Response({"detail": "您没有查看完整信息的权限。"}, status=status.HTTP_403_FORBIDDEN)
        value = services.person_reveal(
            person=person,
            user=request.user,
            field=field,
            channel="api",
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        return Response({"id": person.pk, field: value})


class AssistanceStatusViewSet(ScopedModelViewSet):
    queryset = AssistanceStatus.objects.all()
    serializer_class = s.AssistanceStatusSerializer
    filterset_class = AssistanceStatusFilterSet
    ordering_fields = ["id"]  # not start_date: nullable, see HouseholdViewSet

    def get_queryset(self):
        if privacy.sees_visit_view_only(self.request.user):
            return AssistanceStatus.objects.none()  # assistance is not a visit's business
        return super().get_queryset()


class PolicyParameterViewSet(viewsets.ModelViewSet):
    """Dated policy parameters: everyone reads, admins write."""

    queryset = PolicyParameter.objects.all()
    serializer_class = s.PolicyParameterSerializer
    parser_classes = [ObjectJSONParser]  # a JSON object; a form body could not say "no change" apart
    filterset_fields = ["key"]
    ordering_fields = ["id", "effective_from"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [RolePermission()]
        return [AdminOnly()]

    def perform_create(self, serializer):
        serializer.save(updated_by=self.request.user)

    def perform_update(self, serializer):
        serializer.save(updated_by=self.request.user)
