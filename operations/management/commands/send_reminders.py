from django.core.management.base import BaseCommand

from operations.reminders import send_reminders


class Command(BaseCommand):
    help = "发送到期提醒（未提交的申报、未确认的推荐名单、未完成的评审）。Celery beat 每小时自动执行；重复执行不会重复发送。"

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(self.style.SUCCESS(
            "已发送提醒：申报单位 %(applicants)d 条，推荐单位 %(units)d 条，评审专家 %(reviewers)d 条" % sent))
