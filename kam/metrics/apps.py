from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "kam.metrics"
    label = "metrics"
    verbose_name = _("Value evaluation")

    def ready(self):
        from kam.core import derived
        from kam.metrics.facts import MAINTAINER

        derived.register(MAINTAINER)
