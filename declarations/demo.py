"""Demo data of the applicant side: the real guides, a live copy of the newest, two applicants."""

from datetime import timedelta

from django.utils import timezone

from core.demo_accounts import demo_user
from declarations.validators import uscc

from .loading import guide_files, load_guide, read_guide_data
from .models import Guide, Organisation

DEMO_GUIDE_TITLE = "{year}年大数据产业发展试点示范项目申报指南（演示，按2022年指南）"


def demo_guide():
    now = timezone.localtime()
    return Guide.objects.filter(title=DEMO_GUIDE_TITLE.format(year=now.year)).first()


def load(ctx):
    for path in guide_files():
        load_guide(read_guide_data(int(path.stem)))
    now = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
    data = read_guide_data(2022)
    live = load_guide(
        {**data, "year": now.year}, title=DEMO_GUIDE_TITLE.format(year=now.year),
        applicant_deadline=now + timedelta(days=30), unit_deadline=now + timedelta(days=45))
    ctx["guide"] = live
    orgs = [
        ("天津滨海数据科技有限公司", "91120116MA05T6XW2E", "12", True, 3),
        ("天津河西智能数据研究院", "12120103MB1A22334B", "12", False, 0),
    ]
    ctx["organisations"] = []
    for i, (name, code, region, industrial, dcmm) in enumerate(orgs, 1):
        code = code[:17] + uscc.calc_check_digit(code[:17])
        org, _ = Organisation.objects.update_or_create(credit_code=code, defaults={
            "name": name, "kind": Organisation.Kind.ENTERPRISE if industrial else Organisation.Kind.INSTITUTE,
            "is_industrial": industrial, "region": region, "division": code[2:8], "dcmm_level": dcmm,
            "contact_name": f"联系人{i}", "contact_phone": f"1380000000{i}",
            "contact_email": f"applicant{i}@example.com"})
        ctx["organisations"].append(org)
        demo_user(ctx, f"applicant{i}", "applicant", name, organisation=org,
                  email=f"applicant{i}@example.com", full_name=f"申报联系人{i}")
