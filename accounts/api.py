"""Users API (city admins; 404 for everyone else): the same services as the pages."""

from contextlib import contextmanager

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.serializers import service_errors
from households.models import Division

from . import services
from .forms import department_queryset
from .models import User


@contextmanager
def user_service_errors():
    """service_errors(), with the password error under the API's field name."""
    try:
        with service_errors():
            yield
    except serializers.ValidationError as error:
        if isinstance(error.detail, dict) and "password1" in error.detail:
            error.detail["password"] = error.detail.pop("password1")
        raise


class AdminOr404(permissions.IsAuthenticated):
    """Non-admins learn nothing, not even that user management exists: 404."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not request.user.is_city_admin:
            raise NotFound
        return True


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="first_name", required=True, allow_blank=False, max_length=150)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    division = serializers.PrimaryKeyRelatedField(
        queryset=Division.objects.exclude(level="city"), allow_null=True, required=False
    )
    division_name = serializers.SerializerMethodField()
    department = serializers.PrimaryKeyRelatedField(
        source="liaison_department",
        queryset=department_queryset(),
        allow_null=True,
        required=False,
        help_text="部门联络员所属的联席会议成员单位（id）；其他角色为 null。",
    )
    department_name = serializers.SerializerMethodField()
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "role",
            "role_display",
            "division",
            "division_name",
            "department",
            "department_name",
            "phone",
            "email",
            "is_active",
            "last_login",
            "date_joined",
            "password_changed_at",
            "password",
        ]
        read_only_fields = ["is_active", "last_login", "date_joined", "password_changed_at"]
        # Uniqueness and role/area rules are checked once, by the service (Chinese messages).
        extra_kwargs = {"username": {"validators": []}}

    def get_division_name(self, user) -> str | None:
        return user.division.full_name if user.division_id else None

    def get_department_name(self, user) -> str | None:
        department = user.liaison_department
        return department.name if department else None

    def validate(self, attrs):
        if "liaison_department" in attrs:
            attrs["department"] = attrs.pop("liaison_department")
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["请设置初始密码。"]})
        if self.instance is not None and "username" in attrs and attrs["username"] != self.instance.username:
            raise serializers.ValidationError({"username": ["登录名创建后不能修改。"]})
        return attrs

    def create(self, validated_data):
        password = validated_data.pop("password")
        with user_service_errors():
            return services.user_create(
                actor=self.context["request"].user, data=validated_data, password=password
            )

    def update(self, instance, validated_data):
        validated_data.pop("password", None)  # a new password has its own action
        with service_errors():
            return services.user_update(
                actor=self.context["request"].user, user=instance, data=validated_data
            )


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(style={"input_type": "password"})


class NoBodySerializer(serializers.Serializer):
    """Actions without a request body."""


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Accounts are never deleted: ``deactivate`` instead."""

    serializer_class = UserSerializer
    permission_classes = [AdminOr404]
    queryset = User.objects.select_related("division__parent", "liaison__department").order_by("username")

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user)

    @extend_schema(request=PasswordSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"], url_path="set-password", serializer_class=PasswordSerializer)
    def set_password(self, request, pk=None):
        user = self.get_object()
        data = PasswordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with user_service_errors():
            services.user_set_password(
                actor=request.user, user=user, password=data.validated_data["password"]
            )
        return Response(UserSerializer(user, context={"request": request}).data)

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def deactivate(self, request, pk=None):
        return self._set_active(request, active=False)

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def activate(self, request, pk=None):
        return self._set_active(request, active=True)

    def _set_active(self, request, *, active):
        user = self.get_object()
        with service_errors():
            services.user_set_active(actor=request.user, user=user, active=active)
        return Response(UserSerializer(user, context={"request": request}).data)
