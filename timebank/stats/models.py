"""Daily rollups per org node: the additive figures of one (node, day), kept in step with the raw
rows on commit and reconciled against them nightly, so the dashboard reads ≈ nodes × days rows."""
from django.db import models
from django.utils import timezone

# The additive figures of one node-day. Service columns come from people, demands and assignments
# of the station on that day (the demand's start day, Asia/Shanghai); coin columns from posted
# time-coin transfers, by the members' home station (or the system account's node).
SERVICE_COLUMNS = (
    "elders_new", "volunteers_new",
    "demands_published", "demands_expired", "demands_partly_filled", "places_requested",
    "claims_first", "claim_wait_minutes",
    "services", "served_minutes", "assignments_due", "no_shows", "ratings", "rating_sum",
)
COIN_COLUMNS = ("coins_issued", "coins_redeemed", "coins_donated", "members_in", "members_out")
COLUMNS = SERVICE_COLUMNS + COIN_COLUMNS
# State on that day, not sums over days (they add up over nodes only): the volunteers whose home
# station this is and who served in the 30 / 90 days up to the day, the latter by join month.
ACTIVITY_COLUMNS = ("volunteers_active_30", "volunteers_active_90", "active_cohorts")


class NodeDayRollup(models.Model):
    """The figures of one org node (a station, or a branch/bank for system-account flows) on one
    local day. Minutes and coins in minutes; every column is a sum, so any subtree and period is
    a SUM over rows."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    elders_new = models.IntegerField(default=0)
    volunteers_new = models.IntegerField(default=0)
    demands_published = models.IntegerField(default=0)
    demands_expired = models.IntegerField(default=0)
    demands_partly_filled = models.IntegerField(default=0)
    places_requested = models.IntegerField(default=0)
    claims_first = models.IntegerField(default=0)  # demands with at least one claim (time-to-claim denominator)
    claim_wait_minutes = models.BigIntegerField(default=0)  # publish → first claim, summed
    services = models.IntegerField(default=0)  # person-times: confirmed or credited assignments
    served_minutes = models.BigIntegerField(default=0)
    assignments_due = models.IntegerField(default=0)  # places that should have been served (no-show denominator)
    no_shows = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    coins_issued = models.BigIntegerField(default=0)
    coins_redeemed = models.BigIntegerField(default=0)
    coins_donated = models.BigIntegerField(default=0)
    members_in = models.BigIntegerField(default=0)  # posted into members' accounts
    members_out = models.BigIntegerField(default=0)  # posted out of members' accounts
    volunteers_active_30 = models.IntegerField(default=0)
    volunteers_active_90 = models.IntegerField(default=0)
    active_cohorts = models.JSONField(default=dict, blank=True)  # {"YYYY-MM" joined: active in 90 days}
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["node", "day"], name="stats_one_rollup_per_node_day")]
        # On PostgreSQL migration 0002 makes it covering: the bank's totals since the beginning, its
        # series and its new volunteers by month are then read from the index alone.
        indexes = [models.Index(fields=["bank", "day"], name="stats_rollup_bank_day")]

    def __str__(self) -> str:
        return f"{self.node_id}@{self.day}"


class NodeDayServiceRollup(models.Model):
    """Services (person-times) and minutes served per service type for one node-day."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    service_type = models.ForeignKey("demands.ServiceType", on_delete=models.PROTECT, related_name="+")
    services = models.IntegerField(default=0)
    served_minutes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["node", "day", "service_type"],
                                               name="stats_one_type_rollup_per_node_day")]
        indexes = [models.Index(fields=["bank", "day"], name="stats_type_rollup_bank_day")]

    def __str__(self) -> str:
        return f"{self.node_id}@{self.day}/{self.service_type_id}"


class TransferWatermark(models.Model):
    """How far the worker has rolled up each bank's transfers (the last transfer id counted), and
    when the bank's rollups were last reconciled against the raw rows."""

    bank = models.OneToOneField("orgs.Node", on_delete=models.PROTECT, related_name="+")
    last_transfer_id = models.BigIntegerField(default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.bank_id}@{self.last_transfer_id}"
