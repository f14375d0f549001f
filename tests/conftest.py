import pytest
from django.db import connection

from tests.factories import make_guide, make_org, make_unit, make_user


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only (row locks, concurrency) run in CI, which sets DATABASE_URL."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, pg_dump); SQLite serialises writers")
    for item in items:
        if item.get_closest_marker("postgres_only"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a guide's cached data is keyed by its id, which a rolled-back
    test's guide may share with the next test's."""
    from django.core.cache import cache

    from declarations.guide_cache import forget_process_copies

    cache.clear()
    forget_process_copies()


@pytest.fixture
def guide(db):
    """The 2022 guide with deadlines in the future."""
    return make_guide(2022)


class Personas:
    """Everyone a permission test needs, built once per test (healthchecks-style personas)."""

    def __init__(self, guide):
        from units.models import Unit

        self.guide = guide
        self.city = make_unit("天津市工业和信息化局（测试）", Unit.Kind.PROVINCE, "12")
        self.district_a = make_unit("滨海新区工业和信息化局（测试）", Unit.Kind.DISTRICT, "12", parent=self.city)
        self.district_b = make_unit("河西区工业和信息化局（测试）", Unit.Kind.DISTRICT, "12", parent=self.city)
        self.other_province = make_unit("河北省工业和信息化厅（测试）", Unit.Kind.PROVINCE, "13")
        self.org_a = make_org("甲数据公司", region="12", dcmm=3, division=self.district_a.division)
        self.org_b = make_org("乙数据公司", region="12", division=self.district_b.division)
        self.applicant_a = make_user("applicant", "applicant_a", organisation=self.org_a)
        self.applicant_b = make_user("applicant", "applicant_b", organisation=self.org_b)
        self.city_staff = make_user("unit", "city_staff", unit=self.city)
        self.district_a_staff = make_user("unit", "district_a_staff", unit=self.district_a)
        self.district_b_staff = make_user("unit", "district_b_staff", unit=self.district_b)
        self.admin = make_user("admin", "ministry_admin", is_staff=True)


@pytest.fixture
def personas(guide):
    return Personas(guide)
