"""The hand-made dataset of test_handmade.py (its docstring lists the edge cases it holds)."""

import datetime as dt
from decimal import Decimal

import pytest

from kam.core.tests import factories as f
from kam.customers.models import TierHistory
from kam.metrics import facts
from kam.org.models import WorkingCalendarDay
from kam.relationships.models import DecisionChainMember

D = dt.date
M = Decimal


@pytest.fixture
def world():
    rep1 = f.UserFactory(username="rep1", role="kam", hourly_cost=M("100"), joined_on=D(2020, 1, 1))
    rep2 = f.UserFactory(username="rep2", role="sales", team=rep1.team, left_on=D(2024, 6, 30))
    ps1 = f.UserFactory(
        username="ps1",
        role="presales",
        team=rep1.team,
        hourly_cost=M("200"),
        joined_on=D(2025, 7, 1),
    )
    ps2 = f.UserFactory(username="ps2", role="presales", team=rep1.team, hourly_cost=M("100"))

    ca = f.CustomerFactory(code="cA", owner=rep1, expected_annual_spend=M("10000000"))
    cb = f.CustomerFactory(code="cB", owner=rep1)
    cc = f.CustomerFactory(code="cC", owner=rep2)
    cd = f.CustomerFactory(code="cD", owner=rep1)
    for customer, day, tier, cls in [
        (ca, D(2024, 1, 1), "S", "A"),
        (cb, D(2023, 6, 1), "B", "C"),
        (cb, D(2025, 6, 1), "C", "C"),
        (cc, D(2025, 12, 31), "A", "C"),
    ]:
        TierHistory.objects.create(
            customer=customer, effective_on=day, tier=tier, resource_class=cls
        )

    # Contacts and assessments: cA's scores are 60/60/60 at the end of 2025 (the seed's
    # example: 10,000,000 × 60 = 6,000,000); 30/30/30 at the end of 2024.
    ct1 = f.ContactFactory(customer=ca, influence=1)
    ct2 = f.ContactFactory(customer=ca, influence=3)
    f.ContactFactory(customer=ca, influence=5)  # never assessed: left out of the mean
    for contact, day, score in [
        (ct1, D(2024, 6, 1), 30),
        (ct1, D(2025, 5, 1), 60),
        (ct1, D(2026, 1, 5), 100),
        (ct2, D(2025, 5, 1), 60),
    ]:
        f.AssessmentFactory(
            contact=contact,
            assessed_on=day,
            closeness=score,
            solution_acceptance=score,
            price_acceptance=score,
        )
    ct4 = f.ContactFactory(customer=cc, influence=1)
    ct5 = f.ContactFactory(customer=cc, influence=4)
    f.AssessmentFactory(
        contact=ct4,
        assessed_on=D(2025, 2, 1),
        closeness=10,
        solution_acceptance=80,
        price_acceptance=10,
    )

    o1 = f.OpportunityFactory(
        customer=ca,
        owner=rep1,
        origin="captured",
        amount=M("1000000"),
        created_on=D(2025, 1, 5),
        established_on=D(2025, 1, 10),
        status="won",
        closed_on=D(2025, 3, 1),
    )
    o2 = f.OpportunityFactory(
        customer=ca,
        owner=rep1,
        origin="incubated",
        amount=M("500000"),
        created_on=D(2025, 2, 1),
        established_on=D(2025, 2, 11),
        status="lost",
        closed_on=D(2025, 6, 1),
    )
    o3 = f.OpportunityFactory(
        customer=cc,
        owner=rep1,
        origin="incubated",
        amount=M("2000000"),
        created_on=D(2024, 11, 1),
        established_on=D(2024, 12, 1),
    )
    f.OpportunityFactory(
        customer=cb,
        owner=rep1,
        origin="captured",
        amount=M("300000"),
        created_on=D(2025, 3, 1),
        review_status="rejected",
        established_on=None,
        rejected_on=D(2025, 3, 15),
        estimated_presales_cost=M("20000"),
    )
    f.OpportunityFactory(
        customer=cd,
        owner=rep1,
        origin="other",
        amount=M("100000"),
        created_on=D(2023, 1, 1),
        established_on=D(2023, 2, 1),
        status="won",
        closed_on=D(2024, 4, 1),
    )
    DecisionChainMember.objects.create(opportunity=o1, contact=ct1, influence=2)
    DecisionChainMember.objects.create(opportunity=o1, contact=ct2, influence=1)
    DecisionChainMember.objects.create(opportunity=o3, contact=ct4, influence=1)
    DecisionChainMember.objects.create(opportunity=o3, contact=ct5, influence=3)
    f.PresalesAssignmentFactory(opportunity=o1, user=ps2)

    f.LeadFactory(
        owner=rep1,
        customer=None,
        created_on=D(2025, 3, 1),
        status="disqualified",
        disqualified_on=D(2025, 4, 1),
        estimated_presales_cost=M("5000"),
    )
    f.LeadFactory(
        owner=rep1,
        customer=None,
        created_on=D(2024, 8, 1),
        status="disqualified",
        disqualified_on=D(2024, 9, 1),
    )

    k1 = f.ContractFactory(customer=ca, owner=rep1, signed_on=D(2025, 3, 1), amount=M("1000000"))
    k2 = f.ContractFactory(customer=ca, owner=rep1, signed_on=D(2024, 5, 1), amount=M("400000"))
    k3 = f.ContractFactory(
        customer=ca, owner=rep1, signed_on=D(2025, 4, 1), amount=M("999999"), status="cancelled"
    )
    f.ContractFactory(customer=cb, owner=rep2, signed_on=D(2024, 2, 1), amount=M("600000"))
    k5 = f.ContractFactory(customer=cc, owner=rep1, signed_on=D(2025, 8, 1), amount=M("300000"))
    k6 = f.ContractFactory(customer=cd, owner=rep1, signed_on=D(2025, 1, 15), amount=M("200000"))
    for contract, done, result in [
        (k1, D(2025, 6, 1), "success"),
        (k6, D(2025, 9, 1), "failed"),
        (k3, D(2025, 5, 1), "success"),
        (k2, D(2024, 10, 1), "success"),
    ]:
        f.DeliveryFactory(
            contract=contract, started_on=contract.signed_on, completed_on=done, result=result
        )
    f.DeliveryFactory(contract=k5, started_on=D(2025, 8, 2))

    f.ExpenseFactory(owner=rep1, customer=ca, incurred_on=D(2025, 2, 1), amount=M("50000"))
    f.ExpenseFactory(
        owner=rep1,
        opportunity=o1,
        category="presales",
        incurred_on=D(2025, 3, 1),
        amount=M("50000"),
    )
    f.ExpenseFactory(owner=rep2, customer=cb, incurred_on=D(2024, 3, 1), amount=M("100000"))

    f.TimeEntryFactory(user=ps2, opportunity=o1, worked_on=D(2025, 3, 3), hours=8, confirmed=True)
    f.TimeEntryFactory(user=ps1, opportunity=o1, worked_on=D(2025, 7, 2), hours=4)
    f.TimeEntryFactory(user=ps2, opportunity=o1, worked_on=D(2024, 5, 6), hours=8, confirmed=True)

    f_rating = f.UserFactory(username="rater", role="manager")
    from kam.presales.models import Rating

    Rating.objects.create(
        opportunity=o1, rated_user=ps2, rater=f_rating, rated_on=D(2025, 3, 5), score=80
    )
    Rating.objects.create(
        opportunity=o2, rated_user=ps2, rater=f_rating, rated_on=D(2025, 6, 2), score=90
    )

    for day, kind in [
        (D(2025, 1, 1), "holiday"),
        (D(2025, 10, 1), "holiday"),
        (D(2025, 9, 28), "workday"),
    ]:
        WorkingCalendarDay.objects.create(date=day, kind=kind)
    # Built with the ORM, not through the write path: derive the facts once.
    facts.rebuild()
    return {
        "rep1": rep1, "rep2": rep2, "ps1": ps1, "ps2": ps2, "rater": f_rating,
        "cA": ca, "cB": cb, "cC": cc, "cD": cd, "ct1": ct1, "ct2": ct2, "ct4": ct4, "ct5": ct5,
        "o1": o1, "o2": o2, "o3": o3, "k1": k1, "k2": k2, "k3": k3, "k5": k5, "k6": k6,
    }  # fmt: skip
