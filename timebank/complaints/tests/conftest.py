"""The complaint tests use the supplier personas (`sw`): a supplier serving 五角场 with its staff, a
second supplier, a proxy, coins for the elder."""
from timebank.suppliers.tests.conftest import coin_demand, grant_coins, new_supplier, sw, tomorrow_at

__all__ = ["coin_demand", "grant_coins", "new_supplier", "sw", "tomorrow_at"]
