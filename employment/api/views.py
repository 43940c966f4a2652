"""API of the employment drive: the same services, filtersets and scoping as the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.api.views import StaffOnlyApiMixin
from core.api import ScopedViewSetMixin, VersionedViewSetMixin
from core.serializers import service_errors

from .. import selectors, services
from ..filtersets import (
    PlacementFilterSet,
    PostFilterSet,
    ReferralFilterSet,
    SurveyContactFilterSet,
    TargetFilterSet,
    TrainingFilterSet,
)
from ..models import EmploymentProfile, Placement, Post, Referral, SurveyContact, Target, Training
from . import serializers as s

PERSON_PATH = ("person__household__town", "person__household__community")


class _Base(StaffOnlyApiMixin, ScopedViewSetMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]  # nothing is deleted


def _step(view, request, *, body_class, service, keyword, out_class):
    obj = view.get_object()
    body = body_class(data=request.data)
    body.is_valid(raise_exception=True)
    with service_errors():
        service(**{keyword: obj}, user=request.user, **body.validated_data)
    obj.refresh_from_db()
    return Response(out_class(obj, context={"request": request}).data)


class TargetViewSet(StaffOnlyApiMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """People the drive is for: the ``unemployed`` group and working-age members of 低保/低边
    households. Filters as on the page (basis, employment, town, surveyed, placed ...)."""

    queryset = selectors.listed_targets(
        Target.objects.select_related("household__town", "household__community")
    )
    serializer_class = s.TargetSerializer
    filterset_class = TargetFilterSet


class ProfileViewSet(
    VersionedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    _Base,
):
    """A person's employment profile (one per person: POST for a person who has one updates it).
    ``employment`` is the registry's employment status, which screening reads."""

    queryset = EmploymentProfile.objects.select_related("person")
    serializer_class = s.ProfileSerializer
    filterset_fields = ["person"]

    def _save(self, serializer, person):
        data = dict(serializer.validated_data)
        version = serializer.expected_version(data)
        data.pop("person", None)
        employment = data.pop("employment", None)
        with service_errors():
            serializer.instance = services.profile_save(
                person=person, user=self.request.user, employment=employment, version=version, **data
            )

    def perform_create(self, serializer):
        self._save(serializer, serializer.validated_data["person"])

    def perform_update(self, serializer):
        wanted = self._if_match()
        if wanted is not None and wanted != serializer.instance.version:
            from core.concurrency import EditConflict

            raise EditConflict(serializer.instance, wanted)
        self._save(serializer, serializer.instance.person)


class TrainingViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Skills trainings; ``POST /{id}/finish/`` records completion or dropping out."""

    queryset = Training.objects.select_related("person")
    serializer_class = s.TrainingSerializer
    filterset_class = TrainingFilterSet

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.training_add(user=self.request.user, **serializer.validated_data)

    @extend_schema(request=s.TrainingFinishSerializer, responses=s.TrainingSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return _step(
            self,
            request,
            body_class=s.TrainingFinishSerializer,
            service=services.training_update,
            keyword="training",
            out_class=s.TrainingSerializer,
        )


class PostViewSet(
    VersionedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    _Base,
):
    """公益性岗位 of a town: capacity, seats filled, tenure limit. Town and city writers manage them."""

    queryset = Post.objects.select_related("town")
    serializer_class = s.PostSerializer
    filterset_class = PostFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        with service_errors():
            serializer.instance = services.post_create(user=self.request.user, **data)

    def perform_update(self, serializer):
        wanted = self._if_match()
        if wanted is not None and wanted != serializer.instance.version:
            from core.concurrency import EditConflict

            raise EditConflict(serializer.instance, wanted)
        data = dict(serializer.validated_data)
        version = serializer.expected_version(data)
        data.pop("town", None)
        with service_errors():
            serializer.instance = services.post_update(
                post=serializer.instance, user=self.request.user, version=version, **data
            )


class PlacementViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Placements in posts. A full post or a tenure limit reached is a 400 with the reason;
    ``POST /{id}/end/`` frees the seat."""

    queryset = Placement.objects.select_related("person__household", "post")
    serializer_class = s.PlacementSerializer
    filterset_class = PlacementFilterSet

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.placement_start(
                user=self.request.user, **serializer.validated_data
            )

    @extend_schema(request=s.PlacementEndSerializer, responses=s.PlacementSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return _step(
            self,
            request,
            body_class=s.PlacementEndSerializer,
            service=services.placement_end,
            keyword="placement",
            out_class=s.PlacementSerializer,
        )


class ReferralViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Job recommendations and social recruitment; ``POST /{id}/outcome/`` records the result
    (employed: where and from when; the person is then employed and re-screened)."""

    queryset = Referral.objects.select_related("person")
    serializer_class = s.ReferralSerializer
    filterset_class = ReferralFilterSet

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.referral_add(user=self.request.user, **serializer.validated_data)

    @extend_schema(request=s.ReferralOutcomeSerializer, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        return _step(
            self,
            request,
            body_class=s.ReferralOutcomeSerializer,
            service=services.referral_outcome,
            keyword="referral",
            out_class=s.ReferralSerializer,
        )


class SurveyContactViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Survey contacts (入户走访 / 电话联系) with households; ``GET progress/`` counts per town."""

    queryset = SurveyContact.objects.select_related("household", "person")
    serializer_class = s.SurveyContactSerializer
    filterset_class = SurveyContactFilterSet

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.survey_record(user=self.request.user, **serializer.validated_data)

    @extend_schema(parameters=[s.ProgressQuerySerializer], responses=s.SurveyProgressSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def progress(self, request):
        """Per town (all 23 for city-wide roles, else the user's own): households to survey,
        surveyed, on site, by phone, reached, never reached, not surveyed; ``?since=`` a date."""
        query = s.ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request.user
        rows = selectors.survey_progress(
            user, selectors.visible_towns(user), since=query.validated_data.get("since")
        )
        return Response(s.SurveyProgressSerializer(rows, many=True).data)
