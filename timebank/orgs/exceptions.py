"""Errors of the organisation tree and role grants."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput


class NodeClosed(Conflict):
    code = "node_closed"
    message = _("This organisation unit is closed.")


class WrongParentKind(InvalidInput):
    code = "wrong_parent_kind"
    message = _("A unit of this kind cannot be placed here.")


class NodeHasOpenChildren(Conflict):
    code = "node_has_open_children"
    message = _("Close the units under it first.")


class RoleNotGrantable(DomainError):
    code = "role_not_grantable"
    message = _("You cannot grant this role here.")
    status = 403


class GrantExists(Conflict):
    code = "grant_exists"
    message = _("This person already holds this role here.")
