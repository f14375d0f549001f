"""Load demo data for every role; safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core import demo as core_demo
from declarations import consortium_demo
from declarations import demo as declarations_demo
from declarations.models import Guide
from declarations.tallies import rebuild_tallies
from demonstration import demo as demonstration_demo
from documents import demo as documents_demo
from quotas import base_demo
from quotas import demo as quotas_demo
from review import demo as review_demo
from review.scores import refresh_guide_scores

# Order matters: later apps build on earlier ones' objects.
# consortium_demo needs the units (a declaration is routed when it starts); base_demo needs its 2023 demo guide.
DEMO_MODULES = [declarations_demo, quotas_demo, consortium_demo, base_demo, review_demo, demonstration_demo,
                documents_demo, core_demo]
DEMO_PASSWORD = "Demo#2026pass"


class Command(BaseCommand):
    help = "加载演示数据：真实年度指南、截止时间在未来的演示指南（含按2023年指南的联合体与示范基地）、推荐单位和各角色演示账号。"

    def handle(self, *args, **options):
        ctx = {"password": DEMO_PASSWORD, "accounts": []}
        with transaction.atomic():
            for module in DEMO_MODULES:
                module.load(ctx)
            # The demo modules make their rows directly, as a bulk load does: the derived rows the pages read
            # (declaration counters, stored review scores) are rebuilt from them once at the end.
            rebuild_tallies()
            for guide in Guide.objects.all():
                refresh_guide_scores(guide)
        self.stdout.write(self.style.SUCCESS("演示数据已加载。演示账号（密码均为 %s）：" % DEMO_PASSWORD))
        for username, role, note in ctx["accounts"]:
            self.stdout.write(f"  {username:<16} {role:<10} {note}")
