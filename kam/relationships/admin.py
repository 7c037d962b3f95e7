from kam.core.admin import register
from kam.relationships.models import Activity, Contact, DecisionChainMember, RelationshipAssessment

register(Contact, RelationshipAssessment, DecisionChainMember, Activity)
