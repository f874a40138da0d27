from timebank.demands.tests.conftest import demand_world  # noqa: F401 - the fixture the webhook tests build on
