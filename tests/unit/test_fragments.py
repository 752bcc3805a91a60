"""The kept page parts' store: bounded by entries and by characters, oldest out first."""
from trainer.fragments import Fragments


def test_the_least_recently_used_part_goes_first_when_entries_run_out():
    kept = Fragments(max_entries=2, max_chars=1000)
    kept.put("a", "A")
    kept.put("b", "B")
    assert kept.get("a") == "A"  # now b is the oldest in use
    kept.put("c", "C")
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")


def test_the_characters_kept_stay_under_their_bound():
    kept = Fragments(max_entries=100, max_chars=10)
    kept.put("a", "x" * 4)
    kept.put("b", "y" * 4)
    kept.put("a", "z" * 2)  # replacing a part counts only its new size: 2 + 4 = 6
    assert kept.chars == 6 and kept.get("a") == "zz"
    kept.put("c", "w" * 5)  # 11 > 10: b, now the oldest, goes
    assert kept.get("b") is None and kept.chars == 7 and kept.get("c") == "wwwww"


def test_a_part_larger_than_a_page_part_may_be_is_not_kept():
    kept = Fragments()
    kept.put("huge", "x" * 400_001)
    assert kept.get("huge") is None and kept.chars == 0
