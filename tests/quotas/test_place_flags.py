"""The quota flags stored on list entries (place_free, extra) follow what decides them (issue 14): the counter
reads the flags, so a DCMM level or a guide's threshold that changes must write them again."""

from django.core.files.uploadedfile import SimpleUploadedFile

from declarations.guide_admin import update_guide
from declarations.services import update_organisation
from quotas.models import ListEntry
from quotas.queries import counter, extra_q, free_place_q
from tests.declarations.conftest import PDF_BYTES

from .conftest import passed, rec_list, recommend


def _flags_match_the_rules(guide):
    """Every entry's stored flags equal what the rules say now (the join the counter no longer makes)."""
    rows = ListEntry.objects.filter(rec_list__guide=guide).select_related("rec_list")
    for entry in rows:
        same = ListEntry.objects.filter(pk=entry.pk)
        assert entry.place_free == same.filter(free_place_q(guide, "declaration__", entry.rec_list.unit_id)).exists()
        assert entry.extra == same.filter(extra_q(guide, "declaration__", entry.rec_list.unit_id)).exists()


def test_a_dcmm_upgrade_frees_the_place(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = personas
    decl = passed(p.guide, p.district_b, p.district_b_staff, dcmm=0)
    recommend(decl, p.district_b_staff)
    numbers = counter(rec_list(p.district_b, p.guide))
    assert (numbers["used"], numbers["exempt"]) == (1, 0)
    update_organisation(decl.organisation, actor=p.district_b_staff, changes={"dcmm_level": 3},
                        certificate=SimpleUploadedFile("DCMM证书.pdf", PDF_BYTES))
    numbers = counter(rec_list(p.district_b, p.guide))
    assert (numbers["used"], numbers["exempt"]) == (0, 1)
    _flags_match_the_rules(p.guide)


def test_the_guides_threshold_moves_the_flags(personas):
    p = personas  # the 2022 guide: DCMM 3 and above take no place
    low, high = (passed(p.guide, p.district_b, p.district_b_staff, dcmm=level) for level in (2, 3))
    recommend(low, p.district_b_staff)
    recommend(high, p.district_b_staff)
    assert counter(rec_list(p.district_b, p.guide))["exempt"] == 1
    update_guide(guide=p.guide, actor=p.admin, changes={"quota_exempt_dcmm_min": 2})
    p.guide.refresh_from_db()
    assert counter(rec_list(p.district_b, p.guide))["exempt"] == 2
    _flags_match_the_rules(p.guide)
    update_guide(guide=p.guide, actor=p.admin, changes={"quota_exempt_dcmm_min": None})
    p.guide.refresh_from_db()
    assert counter(rec_list(p.district_b, p.guide))["exempt"] == 0
    _flags_match_the_rules(p.guide)
