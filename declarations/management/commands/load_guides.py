from django.core.management.base import BaseCommand

from declarations.loading import guide_files, load_guide, read_guide_data


class Command(BaseCommand):
    help = "加载真实年度指南（2017、2020、2021、2022），可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="只加载这些年度（默认全部）")

    def handle(self, *args, years, **options):
        years = years or [int(p.stem) for p in guide_files()]
        for year in years:
            guide = load_guide(read_guide_data(year))
            self.stdout.write(f"{guide.year} {guide.title}: {guide.directions.count()} 个方向, "
                              f"{guide.rules.count()} 条申报条件")
