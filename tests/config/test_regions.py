from django.utils import translation

from declarations.models import Organisation
from units.models import Unit


def test_region_names_follow_the_language_and_cost_no_lookup_per_row():
    org = Organisation(region="12")
    unit = Unit(region="66")
    assert org.get_region_display() == "天津市"
    assert unit.get_region_display() == "新疆生产建设兵团"
    assert Unit(region="").get_region_display() == ""
    with translation.override("en"):
        # No English catalogue yet: the Chinese name stands until one is added.
        assert org.get_region_display() == "天津市"
