"""The visits API: the same scoping (restrict), filtersets and services as the pages."""

import datetime as dt

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.api import ScopedViewSetMixin
from core.drf import RolePermission
from core.scoping import VIEW
from core.serializers import service_errors
from households.models import Household

from .. import selectors, services
from ..filtersets import (
    ActivityFilterSet,
    MemberFilterSet,
    PairingFilterSet,
    TeamFilterSet,
    VisitFilterSet,
    VisitHouseholdFilterSet,
)
from ..models import Activity, Pairing, Team, TeamMember, Visit, VisitFrequency
from . import serializers as s

EDITABLE = ["get", "post", "patch", "head", "options"]  # nothing is deleted


class NoVolunteersApi:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(request.user, "is_volunteer", False):
            raise NotFound


class _Editable(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = EDITABLE


class TeamViewSet(_Editable):
    """Visiting care teams. Volunteers read their own teams only."""

    queryset = Team.objects.select_related("division")
    serializer_class = s.TeamSerializer
    filterset_class = TeamFilterSet

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.team_save(
                user=self.request.user, team=Team(**serializer.validated_data)
            )

    def perform_update(self, serializer):
        team = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(team, name, value)
        with service_errors():
            services.team_save(user=self.request.user, team=team)


class MemberViewSet(NoVolunteersApi, _Editable):
    queryset = TeamMember.objects.select_related("team")
    serializer_class = s.MemberSerializer
    filterset_class = MemberFilterSet

    def _save(self, member, data):
        phone = data.pop("phone", None)
        for name, value in data.items():
            setattr(member, name, value)
        with service_errors():
            return services.member_save(user=self.request.user, member=member, phone=phone)

    def perform_create(self, serializer):
        serializer.instance = self._save(TeamMember(), dict(serializer.validated_data))

    def perform_update(self, serializer):
        self._save(serializer.instance, dict(serializer.validated_data))


class PairingViewSet(
    NoVolunteersApi,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Pairings (结对): create, list, end with ``POST /api/pairings/{id}/end/``."""

    queryset = Pairing.objects.all()
    serializer_class = s.PairingSerializer
    filterset_class = PairingFilterSet

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.pairing_create(user=self.request.user, **serializer.validated_data)

    @extend_schema(request=s.PairingEndSerializer, responses=s.PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pairing = self.get_object()
        body = s.PairingEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            services.pairing_end(
                user=request.user,
                pairing=pairing,
                ended_on=body.validated_data["ended_on"],
                reason=body.validated_data["reason"],
            )
        return Response(s.PairingSerializer(pairing, context={"request": request}).data)


class VisitPermission(RolePermission):
    """A paired volunteer may record a visit (POST); every other write needs a writing role."""

    def has_permission(self, request, view):
        if request.method == "POST" and getattr(view, "action", None) == "create":
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


class VisitViewSet(_Editable):
    """Visit records. ``key`` (or the ``Idempotency-Key`` header) makes a second send of the same
    visit return the first one; editing a visit recorded more than 7 days ago needs ``reason``."""

    queryset = Visit.objects.prefetch_related("services")
    serializer_class = s.VisitSerializer
    filterset_class = VisitFilterSet
    permission_classes = [VisitPermission]

    def scope_action(self) -> str:
        return VIEW if self.action == "create" else super().scope_action()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        key = data.pop("key", None) or self.request.headers.get("Idempotency-Key") or None
        if key and not (8 <= len(key) <= 64):
            raise ValidationError({"key": "提交编号格式不正确。"})
        data.pop("reason", None)
        services_ = data.pop("service_codes")
        household = data.pop("household")
        with service_errors(), transaction.atomic():
            serializer.instance = services.visit_record(
                user=self.request.user, household=household, services=services_, key=key, **data
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        for name in ("key", "create_need", "household"):
            data.pop(name, None)
        codes = data.pop("service_codes", None)
        with service_errors():
            services.visit_update(user=self.request.user, visit=serializer.instance, services=codes, **data)


class ActivityViewSet(NoVolunteersApi, _Editable):
    queryset = Activity.objects.prefetch_related("participants")
    serializer_class = s.ActivitySerializer
    filterset_class = ActivityFilterSet

    def _save(self, activity, data):
        participants = data.pop("participants", None)
        for name, value in data.items():
            setattr(activity, name, value)
        with service_errors():
            return services.activity_save(
                user=self.request.user, activity=activity, participants=participants
            )

    def perform_create(self, serializer):
        serializer.instance = self._save(
            Activity(recorded_by=self.request.user), dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        self._save(serializer.instance, dict(serializer.validated_data))


class FrequencyViewSet(NoVolunteersApi, viewsets.ReadOnlyModelViewSet):
    """Visit frequencies in force from their dates (city-wide policy data, not personal)."""

    queryset = VisitFrequency.objects.all()
    serializer_class = s.FrequencySerializer
    filterset_fields = ["group", "tier"]


class VisitQueueViewSet(NoVolunteersApi, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Households that need visits, by ``state`` (overdue, unpaired, ...), community or town;
    ``GET /api/visit-queue/coverage/?level=community|town`` gives the coverage figures."""

    serializer_class = s.QueueSerializer
    filterset_class = VisitHouseholdFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema needs the model, not the rows
            return Household.objects.none()
        return selectors.visit_households(self.request.user).order_by("id")

    @extend_schema(
        parameters=[OpenApiParameter("level", str, enum=["community", "town"])],
        responses=inline_serializer(
            "VisitCoverage",
            {
                "date": drf_serializers.DateField(),
                "level": drf_serializers.ChoiceField(choices=["community", "town"]),
                "rows": drf_serializers.ListField(child=drf_serializers.DictField()),
                "total": drf_serializers.DictField(),
            },
        ),
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def coverage(self, request):
        level = "town" if request.query_params.get("level") == "town" else "community"
        rows = selectors.coverage(request.user, level=level)
        keys = ("division_id", "name", "required", *[k for k in selectors.STATES if k != "required"], "rate")
        return Response(
            {
                "date": dt.date.today(),
                "level": level,
                "rows": [{k: r[k] for k in keys} for r in rows],
                "total": selectors.totals(rows),
            }
        )
