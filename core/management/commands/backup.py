from django.core.management.base import BaseCommand

from core.backup import create_backup


class Command(BaseCommand):
    help = "备份数据库（Django JSON）和上传文件目录到一个 .tar.gz 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="输出文件路径，默认 var/backups/pilotdecl-<时间>.tar.gz")

    def handle(self, *args, **options):
        path = create_backup(options.get("output"))
        self.stdout.write(self.style.SUCCESS(f"备份完成：{path}"))
