from rest_framework import serializers

from kam.core.api import ADMINS, KamSerializer, resource
from kam.core.visibility import scope_of
from kam.org.models import Region, Target, Team, User, WorkingCalendarDay


class UserSerializerBase(KamSerializer):
    """Hourly cost is personal: only executives, admins and managers read it."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        access = scope_of(user)
        in_subtree = user.role == "manager" and instance.team_id in access.team_ids
        if not (access.sees_everything or in_subtree or instance.pk == user.pk):
            data.pop("hourly_cost", None)
        return data

    def validate_role(self, value):
        if value not in dict(User._meta.get_field("role").choices):
            raise serializers.ValidationError("Unknown role.")
        return value


RegionViewSet = resource(Region, search=("code", "name"))
TeamViewSet = resource(Team, search=("code", "name"))
UserViewSet = resource(
    User,
    search=("username", "name", "email"),
    exclude=("password", "groups", "user_permissions", "last_login", "first_name", "last_name"),
    write_roles=ADMINS,
    serializer_base=UserSerializerBase,
)
TargetViewSet = resource(Target, write_roles=frozenset({"admin", "executive"}))
WorkingCalendarViewSet = resource(WorkingCalendarDay)

routes = [
    ("regions", RegionViewSet),
    ("teams", TeamViewSet),
    ("users", UserViewSet),
    ("targets", TargetViewSet),
    ("working_calendar", WorkingCalendarViewSet),
]
