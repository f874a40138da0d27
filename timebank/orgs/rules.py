"""A bank's rules, each part owned by the app whose domain it is.

Every app keeps its own rules table (`ledger.LedgerRules`, `demands.DemandRules`, …, and the
membership rules here in `orgs.BankRules`): a row per change, the newest row not in the future is in
force, rows are never edited. What they share is here: the abstract row (`RuleSet`), "the rules in
force" and a registry of the parts, filled by each app when it loads (`register` in its
`AppConfig.ready`), from which the bank's one rules page, its API (`/orgs/{bank}/rules`) and
`orgs.services.bank_rules_set` are built. A low layer never imports a higher one: orgs learns of the
ledger's rules only through the registry.
"""
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

_BASE_FIELDS = {"id", "bank", "effective_from", "created_by", "created_at"}


class RuleSet(models.Model):
    """One change of one part of a bank's rules, in force from `effective_from`."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["bank", "-effective_from", "-id"]
        indexes = [models.Index(fields=["bank", "effective_from"], name="%(class)s_bank_from")]

    def __str__(self) -> str:
        return f"{self.bank} @ {self.effective_from:%Y-%m-%d}"

    @classmethod
    def rule_fields(cls) -> list[str]:
        return [f.name for f in cls._meta.concrete_fields if f.name not in _BASE_FIELDS]

    @classmethod
    def in_force(cls, bank, at=None) -> "RuleSet":
        """The rules of this part in force at `at` (now by default); the shipped defaults when none set."""
        at = at or timezone.now()
        rules = cls.objects.filter(bank=bank, effective_from__lte=at).order_by("-effective_from", "-id").first()
        return rules or cls(bank=bank)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    model: type[RuleSet]
    order: int

    @property
    def fields(self) -> list[str]:
        return self.model.rule_fields()


_SECTIONS: dict[str, Section] = {}


def register(key: str, model: type[RuleSet], *, title, order: int) -> None:
    """An app declares its part of the bank's rules (call from `AppConfig.ready`)."""
    clash = {f for s in _SECTIONS.values() if s.key != key for f in s.fields} & set(model.rule_fields())
    if clash:
        raise RuntimeError(f"rule names must be unique across apps: {sorted(clash)}")
    _SECTIONS[key] = Section(key, title, model, order)


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: s.order)


def section_of(field: str) -> Section | None:
    return next((s for s in _SECTIONS.values() if field in s.fields), None)


def all_fields() -> list[str]:
    return [f for s in sections() for f in s.fields]


class Rules:
    """Every part of a bank's rules in force at one moment, read part by part as asked for."""

    def __init__(self, bank, at=None):
        self.bank, self.at, self._parts = bank, at or timezone.now(), {}

    def part(self, key: str) -> RuleSet:
        if key not in self._parts:
            self._parts[key] = _SECTIONS[key].model.in_force(self.bank, self.at)
        return self._parts[key]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        section = section_of(name)
        if section is None:
            raise AttributeError(name)
        return getattr(self.part(section.key), name)


def history(bank, limit: int = 20) -> list[tuple[Section, RuleSet]]:
    """The latest changes of every part, newest first."""
    rows = [(s, r) for s in sections()
            for r in s.model.objects.filter(bank=bank).select_related("created_by").order_by("-effective_from", "-id")[:limit]]
    rows.sort(key=lambda pair: (pair[1].effective_from, pair[1].pk), reverse=True)
    return rows[:limit]


def copy_from_bank_rules(app_label: str, model_name: str):
    """For the migration that gives an app its own rules table: every earlier change of the bank's
    rules becomes a row of the new table with the same moment, author and values (`orgs.BankRules`
    then drops these columns)."""

    def copy(apps, schema_editor):
        old = apps.get_model("orgs", "BankRules")
        new = apps.get_model(app_label, model_name)
        names = [f.name for f in new._meta.concrete_fields if f.name not in _BASE_FIELDS]
        new.objects.bulk_create([
            new(bank_id=row.bank_id, effective_from=row.effective_from, created_by_id=row.created_by_id,
                created_at=row.created_at, **{name: getattr(row, name) for name in names})
            for row in old.objects.order_by("id")])

    return copy
