from kam.core.api import resource
from kam.pipeline.filters import LeadFilter, OpportunityFilter
from kam.pipeline.models import (
    Bid,
    BidDocument,
    Competitor,
    Lead,
    Opportunity,
    OpportunityCompetitor,
    Stage,
    Task,
    TaskTemplate,
    TaskTemplateSet,
)

routes = [
    ("leads", resource(Lead, filterset=LeadFilter)),
    ("opportunities", resource(Opportunity, filterset=OpportunityFilter)),
    ("opportunity_competitors", resource(OpportunityCompetitor)),
    ("competitors", resource(Competitor, search=("code", "name"))),
    ("stages", resource(Stage, search=("code", "name_zh", "name_en"))),
    ("task_template_sets", resource(TaskTemplateSet, search=("code", "name"))),
    ("task_templates", resource(TaskTemplate, search=("title_zh", "title_en"))),
    ("tasks", resource(Task, search=("title",))),
    ("bids", resource(Bid, search=("title",))),
    ("bid_documents", resource(BidDocument, search=("name",))),
]
