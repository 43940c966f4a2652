"""The visits API: the same scoping (restrict), filtersets and services as the pages."""

import datetime as dt

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.api import ScopedViewSetMixin, VersionedViewSetMixin
from core.drf import KeysetPagination, RolePermission
from core.scoping import VIEW
from core.serializers import service_errors

from .. import selectors, services
from ..filtersets import (
    ActivityFilterSet,
    MemberFilterSet,
    PairingFilterSet,
    ScheduleFilterSet,
    TeamFilterSet,
    VisitFilterSet,
)
from ..models import Activity, HouseholdSchedule, Pairing, Team, TeamMember, Visit, VisitFrequency
from . import serializers as s

EDITABLE = ["get", "post", "patch", "head", "options"]  # nothing is deleted


class NoVolunteersApi:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(request.user, "is_volunteer", False):
            raise NotFound


class _Editable(
    VersionedViewSetMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = EDITABLE

    @staticmethod
    def changes(serializer) -> tuple[dict, int | None]:
        """The fields to write, and the version the client last read (If-Match or ``version``)."""
        data = dict(serializer.validated_data)
        return data, serializer.expected_version(data)


class TeamViewSet(_Editable):
    """Visiting care teams. Volunteers read their own teams only."""

    queryset = Team.objects.select_related("division")
    serializer_class = s.TeamSerializer
    filterset_class = TeamFilterSet

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.team_save(
                user=self.request.user, team=Team(**self.changes(serializer)[0])
            )

    def perform_update(self, serializer):
        team = serializer.instance
        data, expected = self.changes(serializer)
        for name, value in data.items():
            setattr(team, name, value)
        with service_errors():
            services.team_save(user=self.request.user, team=team, expected=expected)


class MemberViewSet(NoVolunteersApi, _Editable):
    queryset = TeamMember.objects.select_related("team")
    serializer_class = s.MemberSerializer
    filterset_class = MemberFilterSet

    def _save(self, member, data, expected=None):
        phone = data.pop("phone", None)
        for name, value in data.items():
            setattr(member, name, value)
        with service_errors():
            return services.member_save(user=self.request.user, member=member, phone=phone, expected=expected)

    def perform_create(self, serializer):
        serializer.instance = self._save(TeamMember(), self.changes(serializer)[0])

    def perform_update(self, serializer):
        self._save(serializer.instance, *self.changes(serializer))


class PairingViewSet(
    NoVolunteersApi,
    VersionedViewSetMixin,
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
        data = dict(serializer.validated_data)
        data.pop("version", None)  # a new pairing starts at 1, whatever a client copied into the body
        with service_errors():
            serializer.instance = services.pairing_create(user=self.request.user, **data)

    @extend_schema(request=s.PairingEndSerializer, responses=s.PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pairing = self.get_object()
        body = s.PairingEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        header = self._if_match()
        with service_errors():
            services.pairing_end(
                user=request.user,
                pairing=pairing,
                ended_on=body.validated_data["ended_on"],
                reason=body.validated_data["reason"],
                expected=header if header is not None else body.validated_data.get("version"),
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
        data = self.changes(serializer)[0]
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
        data, expected = self.changes(serializer)
        for name in ("key", "create_need", "household"):
            data.pop(name, None)
        codes = data.pop("service_codes", None)
        with service_errors():
            services.visit_update(
                user=self.request.user, visit=serializer.instance, services=codes, expected=expected, **data
            )


class ActivityViewSet(NoVolunteersApi, _Editable):
    queryset = Activity.objects.prefetch_related("participants")
    serializer_class = s.ActivitySerializer
    filterset_class = ActivityFilterSet

    def _save(self, activity, data, expected=None):
        participants = data.pop("participants", None)
        for name, value in data.items():
            setattr(activity, name, value)
        with service_errors():
            return services.activity_save(
                user=self.request.user, activity=activity, participants=participants, expected=expected
            )

    def perform_create(self, serializer):
        serializer.instance = self._save(Activity(recorded_by=self.request.user), self.changes(serializer)[0])

    def perform_update(self, serializer):
        self._save(serializer.instance, *self.changes(serializer))


class FrequencyViewSet(NoVolunteersApi, viewsets.ReadOnlyModelViewSet):
    """Visit frequencies in force from their dates (city-wide policy data, not personal)."""

    queryset = VisitFrequency.objects.all()
    serializer_class = s.FrequencySerializer
    filterset_fields = ["group", "tier"]


class VisitQueueViewSet(NoVolunteersApi, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Households that need visits, by ``state`` (overdue, due soon, unpaired ...), community or
    town, from the schedule table by due date then household, paged by ``after`` / ``before``
    cursors; ``GET /api/visit-queue/coverage/?level=community|town`` gives the coverage figures."""

    serializer_class = s.QueueSerializer
    filterset_class = ScheduleFilterSet
    filter_backends = [DjangoFilterBackend]  # a fixed order (due date, household): the cursor's
    pagination_class = KeysetPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema needs the model, not the rows
            return HouseholdSchedule.objects.none()
        rows = selectors.schedule_rows(self.request.user).select_related("household")
        if self.request.query_params.get("state", "required") in selectors.DUE_STATES:
            return rows  # by due date, then household
        return rows.order_by("household_id")  # due dates may be missing (unpaired): by household

    def keyset_not_null(self):
        return ("due_on",) if self.request.query_params.get("state") in selectors.DUE_STATES else ()

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
