"""Background jobs of suppliers, run by the task worker. Each is safe to run twice."""
from django_tasks import task

from . import services


@task()
def check_licences() -> dict:
    """Suspend suppliers whose licence expired; warn 30 days (the bank's rule) ahead."""
    return services.licences_check()


@task()
def offer_unclaimed_to_suppliers() -> int:
    """保底: unclaimed coin requests close to their start are offered to admitted suppliers."""
    return services.guarantee_offers_make()


@task()
def mark_missed_orders() -> int:
    """Orders not served the bank's number of hours after their start: coins back, score down once."""
    return services.orders_mark_missed()


@task()
def auto_confirm_orders() -> int:
    """Orders done but left unconfirmed confirm themselves after the bank's days, as services do."""
    return services.orders_auto_confirm()


@task()
def release_orders_of_inactive_suppliers() -> int:
    return services.orders_release_for_inactive_suppliers()
