"""Events the demands app publishes (`timebank.lib.events`); higher apps subscribe in `ready()`."""

# A service was confirmed and its coins credited, inside that transaction: payload `assignment`, `demand`.
SERVICE_CREDITED = "demands.service_credited"
# A published request started with nobody to serve it and expired, inside that transaction: payload `demand`.
DEMAND_UNFILLED = "demands.demand_unfilled"
