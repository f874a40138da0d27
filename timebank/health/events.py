"""Events the health app publishes (`timebank.lib.events`); higher apps subscribe in `ready()`."""

# A health alert was opened, inside the reading's transaction: payload `alert`.
ALERT_OPENED = "health.alert_opened"
