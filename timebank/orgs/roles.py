"""Staff roles and what each may do. A role is granted at an org node and reaches its subtree."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")
    BANK_ADMIN = "bank_admin", _("Bank admin")
    BRANCH_ADMIN = "branch_admin", _("Branch admin")
    STATION_STAFF = "station_staff", _("Station staff")
    TEAM_LEADER = "team_leader", _("Team leader")
    MEDICAL_STAFF = "medical_staff", _("Medical staff")
    AUDITOR = "auditor", _("Auditor")
    SUPPLIER = "supplier", _("Supplier")


class Perm:
    PEOPLE_VIEW = "people.view"
    PEOPLE_EDIT = "people.edit"
    PEOPLE_VIEW_FULL = "people.view_full"  # the whole ID number and mobile; every view audited
    PEOPLE_RESET_PASSWORD = "people.reset_password"
    VOLUNTEERS_APPROVE = "volunteers.approve"
    ORGS_MANAGE = "orgs.manage"
    ROLES_GRANT = "roles.grant"
    AUDIT_VIEW = "audit.view"
    RULES_MANAGE = "rules.manage"
    LEDGER_VIEW = "ledger.view"  # members' accounts and transfers, liability reports
    LEDGER_GRANT = "ledger.grant"  # grant coins to hardship elders
    LEDGER_CORRECT = "ledger.correct"  # correcting transfers (four eyes above the threshold)
    DEMANDS_VIEW = "demands.view"  # demands and service records of the stations in reach
    DEMANDS_MANAGE = "demands.manage"  # publish, review, dispatch, record paper service, confirm on behalf
    DEMANDS_RESOLVE = "demands.resolve"  # decide disputed services
    SERVICE_TYPES_MANAGE = "service_types.manage"  # the bank's service catalogue
    HEALTH_VIEW = "health.view"  # readings, thresholds and alerts of the elders in reach (values; every view audited)
    HEALTH_MANAGE = "health.manage"  # act on alerts, enter readings, per-elder thresholds; at a bank node: bank thresholds
    HEALTH_CARDS = "health.cards"  # issue health IC cards, report them lost
    HEALTH_DEVICES = "health.devices"  # register and revoke measuring devices
    HEALTH_STATS = "health.stats"  # counts only (readings taken, elders measured, alerts), never a value
    SUPPLIERS_VIEW = "suppliers.view"  # suppliers, their orders, scores and settlement
    SUPPLIERS_MANAGE = "suppliers.manage"  # register, admit, suspend, remove suppliers; supplier rules
    COMPLAINTS_HANDLE = "complaints.handle"  # accept, investigate, resolve complaints
    NOTICES_BROADCAST = "notices.broadcast"  # send a message to a chosen group of people in reach
    NOTICES_CALL = "notices.call"  # the call list: phone people who get no short message (their numbers; audited)
    CLEARING_VIEW = "clearing.view"  # positions, netting runs and clearing statements of the banks in reach
    CLEARING_RUN = "clearing.run"  # start the day's netting run (platform)
    PEOPLE_MOVE_BANK = "people.move_bank"  # move a member with their coins to another bank of the platform
    STATS_VIEW = "stats.view"  # the statistics dashboard, its exports and the monthly report (counts, no names of elders)


_STAFF = {Perm.PEOPLE_VIEW, Perm.PEOPLE_EDIT, Perm.PEOPLE_RESET_PASSWORD, Perm.VOLUNTEERS_APPROVE, Perm.LEDGER_VIEW,
          Perm.DEMANDS_VIEW, Perm.DEMANDS_MANAGE, Perm.SUPPLIERS_VIEW, Perm.COMPLAINTS_HANDLE, Perm.STATS_VIEW,
          Perm.NOTICES_CALL, Perm.NOTICES_BROADCAST}
_MONEY = {Perm.LEDGER_GRANT, Perm.LEDGER_CORRECT, Perm.DEMANDS_RESOLVE, Perm.SUPPLIERS_MANAGE}
_MEDICAL = {Perm.HEALTH_VIEW, Perm.HEALTH_MANAGE, Perm.HEALTH_CARDS, Perm.HEALTH_STATS}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset(_STAFF | _MONEY | {Perm.PEOPLE_VIEW_FULL, Perm.ORGS_MANAGE, Perm.ROLES_GRANT,
                                             Perm.AUDIT_VIEW, Perm.RULES_MANAGE, Perm.SERVICE_TYPES_MANAGE,
                                             Perm.HEALTH_DEVICES, Perm.HEALTH_STATS, Perm.CLEARING_VIEW,
                                             Perm.CLEARING_RUN, Perm.PEOPLE_MOVE_BANK}),
    Role.BANK_ADMIN: frozenset(_STAFF | _MONEY | {Perm.PEOPLE_VIEW_FULL, Perm.ORGS_MANAGE, Perm.ROLES_GRANT,
                                         Perm.AUDIT_VIEW, Perm.RULES_MANAGE, Perm.SERVICE_TYPES_MANAGE,
                                         Perm.HEALTH_DEVICES, Perm.HEALTH_STATS, Perm.CLEARING_VIEW,
                                         Perm.PEOPLE_MOVE_BANK}),
    # Branch admins stand in at a station's desk, health cards included (the alerts page links to them).
    Role.BRANCH_ADMIN: frozenset(_STAFF | _MONEY | {Perm.PEOPLE_VIEW_FULL, Perm.ROLES_GRANT, Perm.HEALTH_STATS,
                                                 Perm.HEALTH_CARDS}),
    Role.STATION_STAFF: frozenset(_STAFF | {Perm.HEALTH_CARDS, Perm.HEALTH_STATS}),
    Role.MEDICAL_STAFF: frozenset({Perm.PEOPLE_VIEW} | _MEDICAL),
    Role.AUDITOR: frozenset({Perm.PEOPLE_VIEW, Perm.AUDIT_VIEW, Perm.LEDGER_VIEW, Perm.DEMANDS_VIEW,
                             Perm.HEALTH_STATS, Perm.SUPPLIERS_VIEW, Perm.STATS_VIEW, Perm.CLEARING_VIEW}),
    Role.TEAM_LEADER: frozenset(),
    Role.SUPPLIER: frozenset(),
}

# Who may hand out which role: nobody grants a role stronger than their own.
GRANTABLE: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset(Role.values),
    Role.BANK_ADMIN: frozenset(set(Role.values) - {Role.PLATFORM_ADMIN}),
    Role.BRANCH_ADMIN: frozenset({Role.BRANCH_ADMIN, Role.STATION_STAFF, Role.TEAM_LEADER, Role.MEDICAL_STAFF,
                                  Role.SUPPLIER}),
}
