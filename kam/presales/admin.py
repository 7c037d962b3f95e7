from kam.core.admin import register
from kam.presales.models import PresalesAssignment, Rating, TimeEntry

register(PresalesAssignment, TimeEntry, Rating)
