from kam.core.admin import register
from kam.scoring.models import ScoringModel, ScoringResult, ScoringRun

register(ScoringModel, ScoringRun, ScoringResult)
