"""The demo gives Tianjin's clerks something to check, with the real 2022 quotas."""

from django.core.management import call_command

from declarations.demo import demo_guide
from declarations.models import Declaration
from quotas.queries import quota_for
from units.models import Unit


def test_demo_loads_twice_with_quotas_and_declarations_to_check(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("setup_demo", stdout=open("/dev/null", "w"))
    call_command("setup_demo", stdout=open("/dev/null", "w"))
    guide = demo_guide()
    binhai = Unit.objects.get(name="滨海新区工业和信息化局")
    hexi = Unit.objects.get(name="河西区工业和信息化局")
    tianjin = Unit.objects.get(name="天津市工业和信息化局")
    assert (quota_for(binhai, guide), quota_for(hexi, guide), quota_for(tianjin, guide)) == (6, 2, 10)
    submitted = Declaration.objects.filter(guide=guide, state="submitted")
    assert submitted.filter(unit=binhai).exists() and submitted.filter(unit=hexi).exists()
    assert Declaration.objects.filter(guide=guide, unit=binhai, state="passed").count() == 2
    assert binhai.seal and tianjin.doc_prefix == "津工信软"
    from declarations.attachment_kinds import missing_required

    for decl in submitted:  # the demo declarations carry the licence the guide requires
        assert missing_required(decl) == [] and decl.attachments.filter(kind__code="business_licence").exists()
