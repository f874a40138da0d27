"""Events the ledger publishes (`timebank.lib.events`); higher apps subscribe in `ready()`."""

# The liability report of a bank is being built: payload `bank`; each subscriber returns a dict of
# sections to add to the report (the suppliers app adds "guarantee", the guarantee fund's exposure).
LIABILITY_REPORT = "ledger.liability_report"
