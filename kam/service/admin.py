from kam.core.admin import register
from kam.service.models import ServiceRequest, Survey

register(ServiceRequest, Survey)
