"""The 2023 guide file (工信厅信发函〔2023〕187号): four fields, thirteen directions whose names the sources lack.

It loads unpublished; its placeholder directions keep it from opening until the admin imports the real ones.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from declarations.direction_import import import_directions
from declarations.guide_admin import PLACEHOLDER, GuideEditError, publish_guide, publish_problems
from declarations.loading import load_guide, read_guide_data
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide2023(db):
    now = timezone.now()
    return load_guide(read_guide_data(2023), applicant_deadline=now + timedelta(days=20),
                      unit_deadline=now + timedelta(days=30))


def test_the_2023_file_has_its_four_fields_and_thirteen_directions_and_loads_unpublished(guide2023):
    assert not guide2023.is_published
    assert list(guide2023.categories.values_list("name", flat=True)) == [
        "重点行业大数据应用", "数字化治理应用", "数据管理和流通", "数据安全管控"]
    assert guide2023.directions.count() == 13
    assert guide2023.doc_number == "工信厅信发函〔2023〕187号"
    assert guide2023.consortium_allowed and guide2023.programme_name == "示范项目"
    quotas = dict(guide2023.quota_rules.values_list("unit_kind", "quota"))
    assert {k: quotas[k] for k in ("province", "xpcc", "plan_city", "soe")} == {
        "province": 10, "xpcc": 10, "plan_city": 3, "soe": 3}
    kinds = set(guide2023.rules.values_list("kind", flat=True))
    assert {"one_per_applicant", "own_ip", "construction_status", "demo_period_ban"} <= kinds


def test_publishing_is_refused_while_directions_are_placeholders(guide2023):
    problems = publish_problems(guide2023)
    text = "；".join(problems)
    assert "方向 1、2、3、4、5、6、7、8、9、10、11、12、13 的名称或内容仍为“【待补录】”占位文字" in text
    assert "通过“从表格导入方向”补录后再发布" in text
    with pytest.raises(GuideEditError, match="占位文字"):
        publish_guide(guide=guide2023, actor=make_user("admin", is_staff=True))


def test_importing_the_real_directions_clears_the_placeholders(guide2023):
    admin = make_user("admin", is_staff=True)
    rows = [{"category_code": d.category.code, "category_name": d.category.name, "code": d.code,
             "name": f"真实方向{d.code}", "requirements": "需求要点", "content": "实施内容", "outcomes": "应用成效",
             "role_split": False} for d in guide2023.directions.select_related("category")]
    import_directions(guide=guide2023, rows=rows[:12], actor=admin)
    assert "方向 13 的名称或内容仍为" in "；".join(publish_problems(guide2023))
    import_directions(guide=guide2023, rows=rows[12:], actor=admin)
    assert not [p for p in publish_problems(guide2023) if PLACEHOLDER in p]


def test_a_direction_text_still_holding_the_mark_is_refused(guide2023):
    admin = make_user("admin", is_staff=True)
    rows = [{"category_code": d.category.code, "category_name": d.category.name, "code": d.code,
             "name": f"真实方向{d.code}", "requirements": "需求要点",
             "content": PLACEHOLDER + "实施内容" if d.code == "7" else "实施内容", "outcomes": "应用成效",
             "role_split": False} for d in guide2023.directions.select_related("category")]
    import_directions(guide=guide2023, rows=rows, actor=admin)
    assert "方向 7 的名称或内容仍为" in "；".join(publish_problems(guide2023))
