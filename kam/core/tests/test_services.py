"""Generic writes: validation per field, audit trail, optimistic locking, dependency refusal."""

import threading

import pytest
from django.db import connection

from kam.core import audit, services
from kam.core.errors import ConflictError, DependencyError, NotPermitted, ValidationFailed
from kam.core.models import AuditEntry
from kam.core.tests import factories as f
from kam.customers.models import Customer
from kam.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def test_create_validates_every_field_and_writes_nothing_on_error():
    rep = f.UserFactory()
    with pytest.raises(ValidationFailed) as caught:
        services.create_record(
            Customer,
            data={"code": "", "name": "x", "owner": rep, "strategic_importance": 101},
            actor=rep,
        )
    assert set(caught.value.errors) == {"code", "strategic_importance"}
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.exists()


def test_update_audits_old_and_new_values_and_bumps_version():
    customer = f.CustomerFactory(name="甲", industry="地铁")
    actor = customer.owner
    updated = services.update_record(
        customer, data={"name": "乙", "industry": "地铁"}, actor=actor, expected_version=1
    )
    assert updated.version == 2
    entry = audit.history(customer).get()
    assert entry.changes == {"name": ["甲", "乙"]}
    assert entry.actor == actor and entry.record_version == 2


def test_audit_keeps_long_values_whole():
    customer = f.CustomerFactory()
    long_name = "长" * 200
    services.update_record(customer, data={"name": long_name}, actor=None, expected_version=1)
    assert audit.history(customer).get().changes["name"][1] == long_name


def test_stale_version_is_refused_and_names_the_fields_changed_since():
    customer = f.CustomerFactory(name="甲")
    services.update_record(customer, data={"name": "乙"}, actor=None, expected_version=1)
    with pytest.raises(ConflictError) as caught:
        services.update_record(customer, data={"name": "丙"}, actor=None, expected_version=1)
    assert caught.value.fields == ["name"] and caught.value.current_version == 2
    customer.refresh_from_db()
    assert customer.name == "乙"


def test_update_cannot_move_a_record_out_of_the_writers_scope():
    rep = f.UserFactory()
    outsider = f.UserFactory()
    customer = f.CustomerFactory(owner=rep)
    with pytest.raises(NotPermitted):
        services.update_record(customer, data={"owner": outsider}, actor=rep, expected_version=1)
    customer.refresh_from_db()
    assert customer.owner == rep and customer.version == 1


def test_delete_refusal_names_what_depends():
    opportunity = f.OpportunityFactory()
    with pytest.raises(DependencyError) as caught:
        services.delete_record(opportunity.customer, actor=None)
    assert "opportunit" in caught.value.message.lower() or "商机" in caught.value.message
    assert Customer.objects.filter(pk=opportunity.customer.pk).exists()


def test_cross_field_rules_report_their_field():
    opportunity = f.OpportunityFactory()
    with pytest.raises(ValidationFailed) as caught:
        services.update_record(opportunity, data={"status": "won"}, actor=None, expected_version=1)
    assert "closed_on" in caught.value.errors
    assert Opportunity.objects.get(pk=opportunity.pk).status == "open"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_of_the_same_version_one_wins_one_conflicts():
    customer = f.CustomerFactory(name="起点")
    results: list[str] = []
    barrier = threading.Barrier(2)

    def save(name: str):
        try:
            barrier.wait()
            services.update_record(
                Customer.objects.get(pk=customer.pk),
                data={"name": name},
                actor=None,
                expected_version=1,
            )
            results.append("saved")
        except ConflictError:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "saved"]
    customer.refresh_from_db()
    assert customer.version == 2


def test_a_rep_cannot_hand_a_deal_to_another_team_but_a_manager_can_within_theirs():
    rep = f.UserFactory(role="kam")
    colleague = f.UserFactory(role="sales", team=rep.team)
    manager = f.UserFactory(role="manager", team=rep.team)
    outsider = f.UserFactory(role="sales")
    deal = f.OpportunityFactory(customer=f.CustomerFactory(owner=rep))
    with pytest.raises(NotPermitted) as caught:
        services.update_record(deal, data={"owner": outsider}, actor=rep, expected_version=1)
    assert "owner" in caught.value.errors
    with pytest.raises(NotPermitted):
        services.update_record(deal, data={"owner": outsider}, actor=manager, expected_version=1)
    moved = services.update_record(
        deal, data={"owner": colleague}, actor=manager, expected_version=1
    )
    assert moved.owner == colleague


def test_account_team_members_do_not_enrol_themselves_or_others():
    from kam.customers.models import AccountTeamMember

    owner = f.UserFactory(role="kam")
    customer = f.CustomerFactory(owner=owner)
    presales = f.UserFactory(role="presales")
    f.PresalesAssignmentFactory(opportunity=f.OpportunityFactory(customer=customer), user=presales)
    assert Customer.objects.visible_to(presales).filter(pk=customer.pk).exists()
    with pytest.raises(NotPermitted):
        services.create_record(
            AccountTeamMember,
            data={"customer": customer, "user": presales, "role": "presales"},
            actor=presales,
        )
    member = services.create_record(
        AccountTeamMember,
        data={"customer": customer, "user": presales, "role": "presales"},
        actor=owner,
    )
    with pytest.raises(NotPermitted):  # now on the team, still not its staffer
        services.delete_record(member, actor=presales)


def test_a_deal_owner_sees_the_customer_and_the_decision_chain_of_their_deal():
    from kam.relationships.models import Contact, DecisionChainMember

    seller = f.UserFactory(role="sales")
    customer = f.CustomerFactory()  # owned by someone else
    deal = f.OpportunityFactory(customer=customer, owner=seller)
    member = DecisionChainMember.objects.create(
        opportunity=deal, contact=f.ContactFactory(customer=customer)
    )
    other_contact = f.ContactFactory(customer=customer)
    assert Customer.objects.visible_to(seller).filter(pk=customer.pk).exists()
    visible_contacts = set(Contact.objects.visible_to(seller).values_list("pk", flat=True))
    assert visible_contacts == {member.contact_id}
    assert other_contact.pk not in visible_contacts
