from declarations import guide_admin
from quotas.models import UnitGuideSetting
from quotas.queries import deadline_for, quota_for
from quotas.administration import set_unit_setting


def test_a_copied_guide_keeps_last_years_quotas_but_not_extensions(personas):
    guide = personas.guide
    set_unit_setting(unit=personas.district_a, guide=guide, quota=4, deadline=guide.unit_deadline.replace(day=1),
                     reason="滨海新区名额调整", actor=personas.admin)
    copy = guide_admin.copy_guide(source=guide, actor=personas.admin, year=guide.year + 1)
    assert sorted(copy.quota_rules.values_list("unit_kind", "quota")) == sorted(
        guide.quota_rules.values_list("unit_kind", "quota"))
    assert quota_for(personas.district_a, copy) == 4
    assert quota_for(personas.district_b, copy) == quota_for(personas.district_b, guide) == 2
    setting = UnitGuideSetting.objects.get(guide=copy, unit=personas.district_a)
    assert setting.deadline is None and deadline_for(personas.district_a, copy) == copy.unit_deadline
