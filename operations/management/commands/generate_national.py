"""manage.py generate_national: one realistic year at national scale (see core/national.py)."""

from django.core.management.base import BaseCommand

from operations import national


class Command(BaseCommand):
    help = ("生成一个全国规模的模拟年度（单独的“全国规模模拟”指南）：真实推荐单位、5000 个申报单位及其申报、"
            "推荐名单、300 名评审专家与评分。可重复运行：先删除上次生成的数据再重建。")

    def add_arguments(self, parser):
        parser.add_argument("--applicants", type=int, default=5000)
        parser.add_argument("--reviewers", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, applicants, reviewers, seed, **options):
        stats = national.generate(applicants=applicants, reviewers=reviewers, seed=seed, out=self.stdout.write)
        guide = stats.pop("guide")
        self.stdout.write(self.style.SUCCESS(f"已生成“{guide.title}”（id {guide.pk}），用时 {stats.pop('seconds')} 秒"))
        for key, value in stats.items():
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write(f"  所有生成账号的密码：{national.PASSWORD}（登录名前缀 {national.PREFIX}）")
