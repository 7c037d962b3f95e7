from kam.core.api import resource
from kam.service.models import ServiceRequest, Survey

routes = [
    ("service_requests", resource(ServiceRequest, search=("code", "title", "customer__name"))),
    ("surveys", resource(Survey)),
]
