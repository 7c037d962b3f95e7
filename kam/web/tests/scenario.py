"""A small organisation for view tests: two sales teams under a region head, and an executive.

region head team (manager)
  ├── team A: owner (sales), peer (sales)
team B: outsider (sales)
executive (no team)
"""

from __future__ import annotations

from types import SimpleNamespace

from kam.core.tests import factories as f


def build_org() -> SimpleNamespace:
    region = f.RegionFactory(code="EAST", name="华东")
    head = f.TeamFactory(code="HEAD", name="华东区域部", region=region)
    team_a = f.TeamFactory(code="TA", name="销售一部", region=region, parent=head)
    team_b = f.TeamFactory(code="TB", name="销售二部", region=region)
    return SimpleNamespace(
        region=region,
        head=head,
        team_a=team_a,
        team_b=team_b,
        owner=f.UserFactory(username="owner", name="张伟", role="sales", team=team_a),
        peer=f.UserFactory(username="peer", name="李娜", role="sales", team=team_a),
        outsider=f.UserFactory(username="outsider", name="刘洋", role="sales", team=team_b),
        manager=f.UserFactory(username="manager", name="王强", role="manager", team=head),
        executive=f.UserFactory(username="exec", name="赵敏", role="executive", team=None),
    )


def login(client, user):
    client.force_login(user)
    return client
