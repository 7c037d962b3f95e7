from kam.core.api import resource
from kam.scoring.models import ScoringModel, ScoringResult, ScoringRun

routes = [
    ("scoring_models", resource(ScoringModel, search=("key",), read_only=True)),
    ("scoring_runs", resource(ScoringRun, read_only=True)),
    ("scoring_results", resource(ScoringResult, read_only=True)),
]
