"""Supplier pages. Staff: the register with filters and CSV, the admission queue, a supplier's
detail with its history, score chart and monthly settlement (page and XLSX), meetings. Supplier
staff: a phone-friendly order inbox. Members: book, confirm. The public: apply (complaints are the
complaints app's). One module per group of pages; every view is named here."""
from .application import apply, apply_thanks
from .booking import my_orders, order_book, order_confirm
from .joint_meetings import meetings
from .order_inbox import guarantee_take, inbox, order_action
from .register import admission_queue, rules, supplier_detail, supplier_list, supplier_new
from .scores import ranking, supplier_score
from .settlements import settlement

__all__ = [
    "admission_queue", "apply", "apply_thanks", "guarantee_take", "inbox", "meetings", "my_orders", "order_action",
    "order_book", "order_confirm", "ranking", "rules", "settlement", "supplier_detail", "supplier_list",
    "supplier_new", "supplier_score",
]
