from kam.core.api import resource
from kam.customers.filters import CustomerFilter
from kam.customers.models import (
    AccountPlan,
    AccountPlanLine,
    AccountTeamMember,
    Customer,
    TierHistory,
    TierOverride,
    TierStrategy,
)

CustomerViewSet = resource(Customer, filterset=CustomerFilter)
AccountTeamViewSet = resource(AccountTeamMember)
TierHistoryViewSet = resource(TierHistory)
TierStrategyViewSet = resource(TierStrategy)
AccountPlanViewSet = resource(AccountPlan)
AccountPlanLineViewSet = resource(AccountPlanLine)
TierOverrideViewSet = resource(TierOverride, read_only=True)

routes = [
    ("customers", CustomerViewSet),
    ("account_team", AccountTeamViewSet),
    ("tier_history", TierHistoryViewSet),
    ("tier_strategies", TierStrategyViewSet),
    ("account_plans", AccountPlanViewSet),
    ("account_plan_lines", AccountPlanLineViewSet),
    ("tier_overrides", TierOverrideViewSet),
]
