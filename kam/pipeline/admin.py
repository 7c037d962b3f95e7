from kam.core.admin import register
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

register(
    Stage,
    TaskTemplateSet,
    TaskTemplate,
    Competitor,
    Lead,
    Opportunity,
    OpportunityCompetitor,
    Task,
    Bid,
    BidDocument,
)
