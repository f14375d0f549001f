"""manage.py generate_national: one realistic year at national scale (see operations/national.py)."""

import resource

from django.core.management.base import BaseCommand, CommandError

from operations import national


def _share(value):
    share = float(value)
    if not 0 < share <= 1:
        raise ValueError(value)
    return share


class Command(BaseCommand):
    help = ("生成一个全国规模的模拟年度（单独的“全国规模模拟”指南）：真实推荐单位、申报单位及其申报、推荐名单、"
            "评审专家与评分。默认为试点规模（5000 个申报单位、300 名评审专家、按 2021 年通知的名额）；"
            "例如 --applicants 300000 --ranked 0.1 --reviewers 3000 生成基金委规模的年度。"
            "可重复运行：先删除上次生成的数据再重建。")

    def add_arguments(self, parser):
        parser.add_argument("--applicants", type=int, default=5000, help="申报单位数（每个一项申报）")
        parser.add_argument("--ranked", type=_share, default=None,
                            help="最终被推荐并评审的申报占比（0–1，例如 0.1）；不填则按 2021 年通知的名额")
        parser.add_argument("--reviewers", type=int, default=300, help="评审专家数")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, applicants, ranked, reviewers, seed, **options):
        if applicants < 1 or reviewers < 1:
            raise CommandError("--applicants 与 --reviewers 须为正整数")
        stats = national.generate(applicants=applicants, reviewers=reviewers, ranked=ranked, seed=seed,
                                  out=self.stdout.write)
        guide = stats.pop("guide")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(self.style.SUCCESS(f"已生成“{guide.title}”（id {guide.pk}），用时 {stats.pop('seconds')} 秒，"
                                             f"进程内存峰值 {peak:.0f} MB"))
        for key, value in stats.items():
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write(f"  所有生成账号的密码：{national.PASSWORD}（登录名前缀 {national.PREFIX}）")
