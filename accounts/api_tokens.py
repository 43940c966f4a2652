"""API for one's own tokens: obtain one (username/password), list them, revoke one or all."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tokens as services
from .models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    status = extend_schema_field({"type": "string", "enum": ["active", "expired", "revoked"]})(
        serializers.SerializerMethodField()
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "status"]
        read_only_fields = fields

    def get_status(self, token) -> str:
        if token.revoked_at:
            return "revoked"
        return "expired" if token.is_expired else "active"


class ObtainTokenRequestSerializer(AuthTokenSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, label=_("名称"))


ObtainTokenResponse = inline_serializer(
    "ObtainTokenResponse",
    {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
)


class ObtainTokenView(APIView):
    """POST username and password: a new token (shown once) and when it expires."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "token"

    @extend_schema(request=ObtainTokenRequestSerializer, responses=ObtainTokenResponse, auth=[])
    def post(self, request):
        body = ObtainTokenRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        token, key = services.token_create(
            user=body.validated_data["user"], name=body.validated_data.get("name", "")
        )
        return Response({"token": key, "expires_at": token.expires_at})


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own tokens (never anyone else's)."""

    queryset = ApiToken.objects.none()
    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    ordering_fields = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.token_revoke(token=self.get_object())
        return Response(self.get_serializer(token).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="logout-everywhere")
    def logout_everywhere(self, request):
        """End every session and token of the caller, this one included."""
        services.user_logout_everywhere(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
