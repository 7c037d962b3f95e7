"""Demo sign-ins. A bundle carries no passwords or access flags (DATASET.md), so after the
import every demo person gets the demo password and the access their role implies."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password

from kam.demo.generator import DEMO_PASSWORD
from kam.org.models import User


def enable_demo_logins(usernames: list[str], today: dt.date) -> None:
    people = User.objects.filter(username__in=usernames)
    people.update(password=make_password(DEMO_PASSWORD), is_staff=False, is_superuser=False)
    people.filter(role__in=["executive", "admin"]).update(is_staff=True)
    people.filter(role="admin").update(is_superuser=True)
    people.filter(left_on__lt=today).update(is_active=False)
