from kam.core.admin import register
from kam.customers.models import (
    AccountPlan,
    AccountPlanLine,
    AccountTeamMember,
    Customer,
    TierHistory,
    TierOverride,
    TierStrategy,
)

register(
    Customer,
    AccountTeamMember,
    TierHistory,
    TierStrategy,
    AccountPlan,
    AccountPlanLine,
    TierOverride,
)
