"""The pages cache a guide's directions, rules and attachment kinds under its data version: every service that
edits them raises the version, so the applicant's next page shows the change at once."""

import pytest
from django.urls import reverse

from declarations import attachment_kinds, direction_import, guide_admin
from declarations.loading import load_guide, read_guide_data
from declarations.models import Rule
from tests.factories import complete_declaration, make_user


@pytest.fixture
def draft(guide, org, district):
    return complete_declaration(guide, org, district)


@pytest.fixture
def admin(db):
    return make_user("admin", "cache_admin", is_staff=True)


def _pages(client, decl):
    """The edit and detail pages' HTML, rendered twice so that the second comes from a warm cache."""
    urls = [reverse("declarations:edit", args=[decl.pk]), reverse("declarations:detail", args=[decl.pk])]
    for url in urls:
        assert client.get(url).status_code == 200
    return [client.get(url).content.decode() for url in urls]


def test_a_renamed_direction_and_category_show_at_once(applicant_client, draft, guide, admin):
    edit, _detail = _pages(applicant_client, draft)
    assert "（大数据重点产品和服务）" in edit
    direction = guide.directions.get(code="5")
    fields = {f: getattr(direction, f) for f in guide_admin.DIRECTION_FIELDS}
    guide_admin.save_direction(guide=guide, actor=admin, fields={**fields, "name": "改名后的方向五"},
                               direction=direction)
    guide_admin.save_category(guide=guide, actor=admin, code=direction.category.code, name="改名后的领域",
                              category=direction.category)
    edit, _detail = _pages(applicant_client, draft)
    assert "改名后的方向五" in edit and "（改名后的领域）" in edit
    assert "（大数据重点产品和服务）" not in edit


def test_added_and_deleted_directions_and_categories_show_at_once(applicant_client, draft, guide, admin):
    _pages(applicant_client, draft)
    category = guide_admin.save_category(guide=guide, actor=admin, code="四", name="新增的领域")
    direction = guide_admin.save_direction(guide=guide, actor=admin, fields={
        "category": category, "code": "9", "name": "新增的方向九", "requirements": "", "content": "", "outcomes": "",
        "role_split": False, "order": None})
    edit, _detail = _pages(applicant_client, draft)
    assert "新增的方向九" in edit
    guide_admin.delete_direction(direction=direction, actor=admin)
    guide_admin.delete_category(category=category, actor=admin)
    edit, _detail = _pages(applicant_client, draft)
    assert "新增的方向九" not in edit and "新增的领域" not in edit


def test_imported_directions_show_at_once(applicant_client, draft, guide, admin):
    _pages(applicant_client, draft)
    direction_import.import_directions(guide=guide, actor=admin, rows=[{
        "category_code": "二", "category_name": "大数据重点产品和服务", "code": "4", "name": "导入后的方向四",
        "requirements": "", "content": "", "outcomes": "", "role_split": False}])
    edit, _detail = _pages(applicant_client, draft)
    assert "导入后的方向四" in edit


def test_a_reloaded_guide_file_shows_at_once(applicant_client, draft, guide):
    _pages(applicant_client, draft)
    data = read_guide_data(2022)
    data["categories"][1]["directions"][0]["name"] = "重新导入的方向四"
    load_guide(data, title=guide.title, applicant_deadline=guide.applicant_deadline,
               unit_deadline=guide.unit_deadline)
    edit, _detail = _pages(applicant_client, draft)
    assert "重新导入的方向四" in edit


def test_changed_and_deleted_rules_show_at_once(applicant_client, draft, guide, admin):
    edit, detail = _pages(applicant_client, draft)
    assert "不少于 5 个应用场景" in edit and "stats_report_filed" in edit
    rule = guide.rules.get(kind=Rule.Kind.MIN_CASES, direction__code="4")
    guide_admin.save_rule(guide=guide, actor=admin, kind=rule.kind, params={**rule.params, "min": 7},
                          direction=rule.direction, rule=rule)
    edit, detail = _pages(applicant_client, draft)
    assert "不少于 7 个应用场景" in edit
    assert "应用场景" in detail  # the draft's five cases no longer satisfy the rule: the check says so
    guide_admin.delete_rule(rule=guide.rules.get(kind=Rule.Kind.STATS_REPORT), actor=admin)
    edit, _detail = _pages(applicant_client, draft)
    assert "stats_report_filed" not in edit


def test_added_changed_and_deleted_attachment_kinds_show_at_once(applicant_client, draft, guide, admin):
    _pages(applicant_client, draft)
    fields = {"code": "new_required", "name": "新增的必传材料", "help_text": "", "required": True,
              "shown_in_blind_review": True, "allowed_types": ["pdf"], "order": 99}
    kind = attachment_kinds.save_kind(guide=guide, actor=admin, fields=fields)
    edit, detail = _pages(applicant_client, draft)
    assert "新增的必传材料" in edit and "新增的必传材料" in detail  # the checklist, and the check's failure
    attachment_kinds.save_kind(guide=guide, actor=admin, fields={**fields, "name": "改名后的材料"}, kind=kind)
    edit, detail = _pages(applicant_client, draft)
    assert "改名后的材料" in edit and "新增的必传材料" not in edit
    attachment_kinds.delete_kind(kind=kind, actor=admin)
    edit, detail = _pages(applicant_client, draft)
    assert "改名后的材料" not in edit and "改名后的材料" not in detail
