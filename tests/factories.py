"""Small builders for test objects. Personas live in conftest.py."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum.cn import uscc

from declarations.loading import load_guide, read_guide_data
from declarations.models import Declaration, Organisation
from declarations.tallies import count as count_in_tallies
from units.models import Unit

_seq = itertools.count(1)
PASSWORD = "Test#pass-2026"


def credit_code(n=None, prefix="91", division="120000"):
    """A valid credit code issued in `division` (characters 3–8)."""
    n = next(_seq) if n is None else n
    body = f"{prefix}{division}{n:09d}"[:17]
    return body + uscc.calc_check_digit(body)


def make_guide(year=2022, *, open_for_days=30, unit_days=45, title=None, published=True):
    now = timezone.now()
    data = read_guide_data(year)
    return load_guide(data, title=title or f"测试指南{year}-{next(_seq)}",
                      applicant_deadline=now + timedelta(days=open_for_days),
                      unit_deadline=now + timedelta(days=unit_days), published=published)


def make_unit(name=None, kind=Unit.Kind.PROVINCE, region="12", parent=None, division=None):
    """A unit; district and city units take the division their name begins with (滨海新区… → 120116)."""
    from core.regions import division_for_name

    name = name or f"测试推荐单位{next(_seq)}"
    if division is None:
        division = (division_for_name(name, region, city=kind != Unit.Kind.DISTRICT)
                    if kind in (Unit.Kind.DISTRICT, Unit.Kind.PLAN_CITY, Unit.Kind.SUBPROV_CAPITAL) else "")
    return Unit.objects.create(name=name, kind=kind, region=region, parent=parent, division=division)


def make_org(name=None, region="12", industrial=True, dcmm=0, kind=Organisation.Kind.ENTERPRISE, division=None):
    """An organisation in `division` (default: registered at its province's level, so it reaches the province unit)."""
    n = next(_seq)
    division = division or f"{'65' if region == '66' else region}0000"
    return Organisation.objects.create(
        name=name or f"测试企业{n}", credit_code=credit_code(n, division=division), kind=kind,
        is_industrial=industrial and kind == Organisation.Kind.ENTERPRISE, region=region, division=division,
        dcmm_level=dcmm, contact_name="张三", contact_phone="13800000000", contact_email=f"org{n}@example.com")


def make_user(role, username=None, **fields):
    User = get_user_model()
    user = User(username=username or f"{role}{next(_seq)}", role=role, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def complete_declaration(guide, org, unit, direction_code="4", **overrides):
    """A declaration that satisfies every rule of the 2022 guide for direction 4 (or the given one)."""
    direction = guide.directions.get(code=direction_code)
    fields = dict(
        project_name=f"{org.name}大数据平台项目", direction=direction, unit=unit,
        construction_status="built", summary="项目简介", innovation="关键创新",
        ip_items=[{"kind": "软件著作权", "title": "数据平台V1.0", "number": "2021SR000001"}],
        cases=[{"name": f"案例{i}", "customer": "客户", "description": "应用情况"} for i in range(5)],
        benefits="效益", promotion="推广价值", stats_report_filed=True, stats_report_year=2021,
        applicant_role="owner" if direction.role_split else "",
    )
    fields.update(overrides)
    decl = Declaration.objects.create(guide=guide, organisation=org, **fields)
    count_in_tallies(decl)  # as start_declaration and the transitions would have (declarations.tallies)
    add_required_attachments(decl)
    return decl


TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
            b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n")


def add_required_attachments(decl):
    """One small PDF for each attachment kind the guide requires of this declaration (a complete one has them)."""
    from django.core.files.base import ContentFile

    from declarations.attachment_kinds import missing_required
    from declarations.models import Attachment

    for kind in missing_required(decl):
        att = Attachment(declaration=decl, kind=kind, original_name=f"{kind.name}.pdf", size=len(TINY_PDF),
                         content_type="application/pdf", sha256="0" * 64)
        att.file.save("required.pdf", ContentFile(TINY_PDF), save=True)


def make_confirmed_list(guide, unit, declarations, *, recommended=None, document_number="", confirmed_by=None):
    """A confirmed recommendation list of `declarations` in rank order (all recommended unless told)."""
    from quotas.models import ListEntry, RecommendationList
    from quotas.queries import mark_places

    rec_list = RecommendationList.objects.create(
        guide=guide, unit=unit, state=RecommendationList.State.CONFIRMED, confirmed_at=timezone.now(),
        confirmed_by=confirmed_by, document_number=document_number)
    for rank, decl in enumerate(declarations, 1):
        ListEntry.objects.create(rec_list=rec_list, declaration=decl, rank=rank,
                                 recommended=True if recommended is None else decl in recommended)
    mark_places(guide, rec_list.entries.all())  # the quota flags the list services store
    return rec_list
