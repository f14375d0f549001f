from django.core.management.base import BaseCommand, CommandError

from declarations.models import Guide
from review.models import ProjectScore
from review.scores import refresh_guide_scores


class Command(BaseCommand):
    help = "从评审意见重新计算保存的项目得分（评审排名所用），用于批量导入之后或核对修复。"

    def add_arguments(self, parser):
        parser.add_argument("--guide", type=int, help="只计算该指南（默认全部）")

    def handle(self, *args, guide=None, **options):
        guides = Guide.objects.all() if guide is None else Guide.objects.filter(pk=guide)
        if guide is not None and not guides.exists():
            raise CommandError(f"没有编号为 {guide} 的指南")
        for g in guides:
            refresh_guide_scores(g)
        rows = ProjectScore.objects.all() if guide is None else ProjectScore.objects.filter(guide_id=guide)
        self.stdout.write(f"已重新计算：{rows.count()} 个项目的得分")
