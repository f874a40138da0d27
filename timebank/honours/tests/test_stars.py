"""Star levels from cumulative served hours against the bank's thresholds, exactly at the boundary."""
from timebank.honours.selectors import parse_thresholds, star_level, star_level_for
from timebank.orgs.services import bank_rules_set


def test_a_threshold_is_reached_exactly_at_its_hour():
    thresholds = [100, 300, 600, 1000, 1500]
    assert star_level_for(100 * 60 - 1, thresholds).stars == 0
    assert star_level_for(100 * 60, thresholds).stars == 1
    assert star_level_for(300 * 60 - 1, thresholds).stars == 1
    assert star_level_for(300 * 60, thresholds).stars == 2
    assert star_level_for(1500 * 60, thresholds).stars == 5
    assert star_level_for(1500 * 60, thresholds).next_hours is None
    assert star_level_for(99 * 60, thresholds).minutes_to_next == 60


def test_the_bank_sets_its_thresholds(world):
    w = world
    assert star_level(w.volunteer).thresholds == [100, 300, 600, 1000, 1500]
    bank_rules_set(actor=w.bank_admin, bank=w.bank, honour_thresholds_hours="50,200")
    assert star_level(w.volunteer).thresholds == [50, 200]


def test_bad_thresholds_fall_back_to_the_defaults():
    assert parse_thresholds("300,100") == [100, 300, 600, 1000, 1500]
    assert parse_thresholds("10，20") == [10, 20]
