from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = "从 backup 命令生成的 .tar.gz 恢复数据库和上传文件。会清空当前数据！数据库须已执行 migrate。"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接覆盖当前数据")

    def handle(self, *args, path, yes=False, **options):
        try:
            manifest = read_manifest(path)
        except (BackupError, OSError) as exc:
            raise CommandError(f"无法读取备份文件：{exc}") from exc
        if not yes:
            answer = input(f"将用 {manifest.get('created_at')} 的备份覆盖当前全部数据和上传文件，输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消")
        try:
            restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("恢复完成"))
