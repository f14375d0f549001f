from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL 用 pg_dump，SQLite 或 --portable 用 Django JSON）和上传文件目录到一个 .tar.gz 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="输出文件路径，默认 var/backups/pilotdecl-<时间>.tar.gz")
        parser.add_argument("--portable", action="store_true",
                            help="PostgreSQL 上也写 Django JSON（可恢复到 SQLite 或其他数据库）")

    def handle(self, *args, **options):
        try:
            path = create_backup(options.get("output"), portable=options["portable"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"备份完成：{path}"))
