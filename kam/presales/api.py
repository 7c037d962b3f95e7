from kam.core.api import resource
from kam.presales.models import PresalesAssignment, Rating, TimeEntry

routes = [
    ("presales_assignments", resource(PresalesAssignment)),
    ("time_entries", resource(TimeEntry)),
    ("ratings", resource(Rating)),
]
