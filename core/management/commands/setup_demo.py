"""Load demo data for every role; safe to run again."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Order matters: later apps build on earlier ones' objects.
DEMO_MODULES = ["declarations.demo", "quotas.demo", "review.demo", "demonstration.demo", "documents.demo", "core.demo"]
DEMO_PASSWORD = "Demo#2026pass"


class Command(BaseCommand):
    help = "加载演示数据：四个真实年度指南、一个截止时间在未来的演示指南、推荐单位和各角色演示账号。"

    def handle(self, *args, **options):
        ctx = {"password": DEMO_PASSWORD, "accounts": []}
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = import_module(name)
                except ModuleNotFoundError:
                    continue
                module.load(ctx)
        self.stdout.write(self.style.SUCCESS("演示数据已加载。演示账号（密码均为 %s）：" % DEMO_PASSWORD))
        for username, role, note in ctx["accounts"]:
            self.stdout.write(f"  {username:<16} {role:<10} {note}")
