from kam.core.api import resource
from kam.relationships.filters import ContactFilter
from kam.relationships.models import Activity, Contact, DecisionChainMember, RelationshipAssessment

ContactViewSet = resource(Contact, filterset=ContactFilter)
AssessmentViewSet = resource(RelationshipAssessment)
DecisionChainViewSet = resource(DecisionChainMember)
ActivityViewSet = resource(Activity, search=("code", "summary", "customer__name"))

routes = [
    ("contacts", ContactViewSet),
    ("relationship_assessments", AssessmentViewSet),
    ("decision_chain", DecisionChainViewSet),
    ("activities", ActivityViewSet),
]
