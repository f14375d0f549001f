from django.core.management.base import BaseCommand, CommandError

from declarations.models import DeclarationTally, Guide
from declarations.tallies import rebuild_tallies


class Command(BaseCommand):
    help = "重新统计申报计数（管理员统计首页与名额总览所用），用于批量导入之后或核对修复。"

    def add_arguments(self, parser):
        parser.add_argument("--guide", type=int, help="只统计该指南（默认全部）")

    def handle(self, *args, guide=None, **options):
        target = None
        if guide is not None:
            target = Guide.objects.filter(pk=guide).first()
            if target is None:
                raise CommandError(f"没有编号为 {guide} 的指南")
        rebuild_tallies(target)
        rows = DeclarationTally.objects.all() if target is None else DeclarationTally.objects.filter(guide=target)
        self.stdout.write(f"已重新统计：{rows.count()} 个计数")
