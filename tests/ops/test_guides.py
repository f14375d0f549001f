import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import AuditRecord
from declarations import direction_import, guide_admin
from declarations.models import Declaration, Direction, Guide
from declarations.signals import guide_copied
from tests.factories import PASSWORD, complete_declaration, make_guide
from tests.utils import login


def xlsx(rows, header=None):
    wb = Workbook()
    ws = wb.active
    ws.append(header or [c[1] for c in direction_import.IMPORT_COLUMNS])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "directions.xlsx"
    return out


class TestAccess:
    @pytest.mark.parametrize("name", ["guides:list", "guides:copy", "guides:import_template"])
    def test_it_refuses_other_roles(self, client, personas, name):
        login(client, personas.applicant_a)
        assert client.get(reverse(name)).status_code == 403
        login(client, personas.city_staff)
        assert client.get(reverse(name)).status_code == 403

    def test_it_sends_anonymous_to_login(self, client, db):
        assert client.get(reverse("guides:list")).status_code == 302

    def test_publish_rejects_get(self, client, personas):
        login(client, personas.admin)
        assert client.get(reverse("guides:publish", args=[personas.guide.pk])).status_code == 405

    def test_missing_guide_is_404(self, client, personas):
        login(client, personas.admin)
        assert client.get(reverse("guides:detail", args=[999999])).status_code == 404


class TestCopy:
    def test_it_copies_everything_a_year_later(self, guide, admin_user):
        received = []

        def receiver(sender, source, copy, **kw):
            received.append((source.pk, copy.pk))

        guide_copied.connect(receiver)
        try:
            copy = guide_admin.copy_guide(source=guide, actor=admin_user, year=guide.year + 1)
        finally:
            guide_copied.disconnect(receiver)
        assert received == [(guide.pk, copy.pk)]
        assert copy.year == guide.year + 1 and not copy.is_published and copy.copied_from == guide
        assert copy.applicant_deadline.year == guide.applicant_deadline.year + 1
        assert copy.applicant_deadline.month == guide.applicant_deadline.month
        assert copy.categories.count() == guide.categories.count() == 3
        assert copy.directions.count() == guide.directions.count() == 8
        old = guide.directions.get(code="4")
        new = copy.directions.get(code="4")
        assert new.requirements == old.requirements and new.pk != old.pk and new.category.guide == copy
        assert copy.rules.count() == guide.rules.count()
        rule = copy.rules.get(kind="min_cases", direction__code="4")
        assert rule.direction.guide_id == copy.pk and rule.params["min"] == 5
        assert AuditRecord.objects.filter(action="guide.copy", target_id=str(copy.pk)).count() == 1

    def test_the_page_copies_and_redirects(self, client, personas):
        login(client, personas.admin)
        r = client.post(reverse("guides:copy"), {"source": personas.guide.pk, "year": 2031, "title": ""})
        copy = Guide.objects.get(year=2031)
        assert r.status_code == 302 and r["Location"] == reverse("guides:detail", args=[copy.pk])
        assert client.get(r["Location"]).status_code == 200

    def test_the_page_validates_year(self, client, personas):
        login(client, personas.admin)
        r = client.post(reverse("guides:copy"), {"source": personas.guide.pk, "year": "abc"})
        assert r.status_code == 200 and "年度须为四位数字" in r.content.decode()

    def test_it_refuses_a_duplicate_title(self, guide, admin_user):
        guide_admin.copy_guide(source=guide, actor=admin_user, year=2030, title="同名")
        with pytest.raises(guide_admin.GuideEditError, match="同名指南"):
            guide_admin.copy_guide(source=guide, actor=admin_user, year=2030, title="同名")


class TestEdit:
    def test_it_refuses_to_delete_a_direction_in_use(self, client, personas):
        guide = personas.guide
        complete_declaration(guide, personas.org_a, personas.district_a, state=Declaration.State.SUBMITTED)
        d4 = guide.directions.get(code="4")
        login(client, personas.admin)
        r = client.post(reverse("guides:direction_delete", args=[guide.pk, d4.pk]), follow=True)
        assert Direction.objects.filter(pk=d4.pk).exists()
        assert "已被申报使用" in r.content.decode() and "1 份已提交" in r.content.decode()
        assert not AuditRecord.objects.filter(action="guide.direction_delete").exists()

    def test_it_deletes_an_unused_direction(self, client, personas):
        guide = personas.guide
        d5 = guide.directions.get(code="5")
        login(client, personas.admin)
        client.post(reverse("guides:direction_delete", args=[guide.pk, d5.pk]))
        assert not Direction.objects.filter(pk=d5.pk).exists()
        assert AuditRecord.objects.filter(action="guide.direction_delete", target_id=str(guide.pk)).exists()

    def test_it_refuses_a_duplicate_direction_code(self, client, personas):
        guide = personas.guide
        cat = guide.categories.first()
        login(client, personas.admin)
        r = client.post(reverse("guides:direction_add", args=[guide.pk]),
                        {"category": cat.pk, "code": "4", "name": "重复"})
        assert r.status_code == 200 and "方向编号“4”已存在" in r.content.decode()

    def test_categories_add_and_refuse_deleting_a_filled_one(self, client, personas):
        guide = personas.guide
        login(client, personas.admin)
        url = reverse("guides:category_add", args=[guide.pk])
        r = client.post(url, {"code": "一", "name": "重复"})
        assert "领域编号“一”已存在" in r.content.decode()
        r = client.post(url, {"code": "", "name": ""})
        assert "请填写领域编号" in r.content.decode() and "请填写领域名称" in r.content.decode()
        assert client.post(url, {"code": "四", "name": "新领域"}).status_code == 302
        new = guide.categories.get(code="四")
        client.post(reverse("guides:category_delete", args=[guide.pk, new.pk]))
        assert not guide.categories.filter(code="四").exists()
        filled = guide.categories.get(code="一")
        r = client.post(reverse("guides:category_delete", args=[guide.pk, filled.pk]), follow=True)
        assert "下还有方向" in r.content.decode() and guide.categories.filter(pk=filled.pk).exists()

    def test_objects_of_another_guide_are_404(self, client, personas, admin_user):
        other = guide_admin.copy_guide(source=personas.guide, actor=admin_user, year=2031)
        d = other.directions.first()
        login(client, personas.admin)
        assert client.get(reverse("guides:direction_edit", args=[personas.guide.pk, d.pk])).status_code == 404
        assert client.post(reverse("guides:direction_delete", args=[personas.guide.pk, d.pk])).status_code == 404

    def test_it_edits_a_direction(self, client, personas):
        guide = personas.guide
        d = guide.directions.get(code="4")
        login(client, personas.admin)
        r = client.post(reverse("guides:direction_edit", args=[guide.pk, d.pk]),
                        {"category": d.category_id, "code": "4", "name": "新名称", "requirements": "新要点"})
        assert r.status_code == 302
        d.refresh_from_db()
        assert d.name == "新名称" and d.requirements == "新要点"

    def test_rule_params_are_structured_and_validated(self, client, personas):
        guide = personas.guide
        login(client, personas.admin)
        url = reverse("guides:rule_add", args=[guide.pk])
        r = client.post(url, {"kind": "min_cases", "min": "0", "is_active": "on"})
        assert "最少数量须在 1 至 100 之间" in r.content.decode()
        r = client.post(url, {"kind": "dcmm_min", "is_active": "on"})
        assert "请选择 DCMM 最低等级" in r.content.decode()
        r = client.post(url, {"kind": "construction_status", "is_active": "on"})
        assert "请至少勾选一种允许的建设状态" in r.content.decode()
        d9 = guide.directions.get(code="1")
        r = client.post(url, {"kind": "dcmm_min", "level": "3", "role": "owner", "industrial": "yes",
                              "direction": d9.pk, "is_active": "on", "min": "7"})
        assert r.status_code == 302
        rule = guide.rules.latest("id")
        assert rule.params == {"level": 3, "role": "owner", "industrial": True}
        assert client.get(reverse("guides:rule_edit", args=[guide.pk, rule.pk])).status_code == 200

    def test_deadlines_of_a_published_guide_change_only_by_extension(self, guide, admin_user):
        with pytest.raises(guide_admin.GuideEditError, match="延期"):
            guide_admin.update_guide(guide=guide, actor=admin_user,
                                     changes={"applicant_deadline": guide.applicant_deadline + timedelta(days=1)})

    def test_extension_needs_a_reason_and_a_later_date(self, client, personas):
        guide = personas.guide
        login(client, personas.admin)
        url = reverse("guides:extend", args=[guide.pk])
        r = client.post(url, {"applicant_deadline": "2020-01-01T00:00", "reason": ""})
        body = r.content.decode()
        assert "请填写延期理由" in body and "须晚于原截止时间" in body
        new = (guide.applicant_deadline + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
        r = client.post(url, {"applicant_deadline": new, "reason": "系统故障顺延三天"})
        assert r.status_code == 302
        rec = AuditRecord.objects.get(action="guide.extend_deadline")
        assert rec.reason == "系统故障顺延三天" and rec.actor == personas.admin

    def test_publish_checks_readiness(self, client, personas, admin_user):
        copy = guide_admin.copy_guide(source=personas.guide, actor=admin_user, year=2031)
        copy.categories.first().directions.all().delete()
        login(client, personas.admin)
        r = client.post(reverse("guides:publish", args=[copy.pk]), {"confirm_password": PASSWORD}, follow=True)
        assert "存在没有方向的领域" in r.content.decode()
        copy.refresh_from_db()
        assert not copy.is_published

    def test_publish(self, client, personas):
        guide = make_guide(2021, published=False)
        login(client, personas.admin)
        client.post(reverse("guides:publish", args=[guide.pk]), {"confirm_password": PASSWORD})
        guide.refresh_from_db()
        assert guide.is_published and guide.published_at
        assert AuditRecord.objects.filter(action="guide.publish", target_id=str(guide.pk)).exists()

    def test_preview_shows_directions_as_applicants_see_them(self, client, personas):
        login(client, personas.admin)
        r = client.get(reverse("guides:preview", args=[personas.guide.pk]))
        assert r.status_code == 200 and "数据交易流通" in r.content.decode()

    def test_pages_render(self, client, personas):
        g = personas.guide
        login(client, personas.admin)
        for url in [reverse("guides:list"), reverse("guides:copy"), reverse("guides:detail", args=[g.pk]),
                    reverse("guides:edit", args=[g.pk]), reverse("guides:extend", args=[g.pk]),
                    reverse("guides:category_add", args=[g.pk]), reverse("guides:direction_add", args=[g.pk]),
                    reverse("guides:rule_add", args=[g.pk]), reverse("guides:import", args=[g.pk])]:
            assert client.get(url).status_code == 200, url

    @pytest.mark.parametrize("n", [3, 30])
    def test_guide_list_query_count_is_fixed(self, client, personas, count_queries, n):
        for i in range(n):
            Guide.objects.create(year=2000 + i, title=f"指南{i}")
        login(client, personas.admin)
        counts = count_queries(lambda: client.get(reverse("guides:list")))
        assert counts <= 8


class TestImport:
    def test_template_downloads_as_a_workbook(self, client, personas):
        login(client, personas.admin)
        r = client.get(reverse("guides:import_template"))
        wb = load_workbook(io.BytesIO(r.content))
        assert [c.value for c in wb.active[1]][:4] == ["领域编号", "领域名称", "方向编号", "方向名称"]

    def test_it_shows_every_row_error_and_saves_nothing(self, client, personas):
        guide = personas.guide
        before = guide.directions.count()
        login(client, personas.admin)
        f = xlsx([["一", "领域甲", "21", "方向甲", "", "", "", "否"],
                  ["一", "领域乙", "22", "方向乙", "", "", "", "否"],   # same code, other name
                  ["二", "领域丙", "", "方向丙", "", "", "", ""],       # no direction code
                  ["二", "领域丙", "21", "方向丁", "", "", "", "也许"]])  # duplicate code, bad flag
        r = client.post(reverse("guides:import", args=[guide.pk]), {"file": f})
        body = r.content.decode()
        assert "第 3 行" in body and "此处不一致" in body
        assert "第 4 行" in body and "“方向编号”不能为空" in body
        assert "第 5 行" in body and "与第 2 行重复" in body and "只能填“是”或“否”" in body
        assert "确认导入" not in body
        assert guide.directions.count() == before
        r = client.post(reverse("guides:import_confirm", args=[guide.pk]), follow=True)
        assert "没有待导入的数据" in r.content.decode()

    def test_it_rejects_bad_files(self, client, personas):
        login(client, personas.admin)
        url = reverse("guides:import", args=[personas.guide.pk])
        bad = io.BytesIO(b"not a workbook")
        bad.name = "x.xlsx"
        assert "无法读取该文件" in client.post(url, {"file": bad}).content.decode()
        csv = io.BytesIO(b"a,b")
        csv.name = "x.csv"
        assert "只支持 .xlsx" in client.post(url, {"file": csv}).content.decode()
        assert "表头缺少以下列" in client.post(url, {"file": xlsx([["1"]], header=["编号"])}).content.decode()

    def test_preview_then_confirm_imports(self, client, personas):
        guide = personas.guide
        login(client, personas.admin)
        f = xlsx([["四", "新领域", "9", "新方向", "要点", "内容", "成效", "是"],
                  ["一", "数据要素市场培育", "1", "数据管理能力提升（改）", "新要点", "", "", "否"]])
        r = client.post(reverse("guides:import", args=[guide.pk]), {"file": f})
        assert "确认导入" in r.content.decode()
        assert not guide.directions.filter(code="9").exists()
        r = client.post(reverse("guides:import_confirm", args=[guide.pk]))
        assert r.status_code == 302
        d9 = guide.directions.get(code="9")
        assert d9.role_split and d9.category.name == "新领域" and d9.requirements == "要点"
        assert guide.directions.get(code="1").name == "数据管理能力提升（改）"
        rec = AuditRecord.objects.get(action="guide.import_directions")
        assert rec.data["created"] == 1 and rec.data["updated"] == 1
