"""Events the organisation layer publishes (`timebank.lib.events`); higher apps subscribe in `ready()`."""

# A bank node was created: payload `bank` (a Node). The demands app gives it the standard catalogue.
BANK_CREATED = "orgs.bank_created"
# Something a station's figures count changed on a day: payload `node_id`, `when` (a datetime or date) and
# optionally `volunteer_id` (a service: that volunteer's activity from that day on). Statistics re-rolls it.
STATION_DAY_CHANGED = "orgs.station_day_changed"
