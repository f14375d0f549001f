"""Create the self-signed demo signing certificate at settings.SIGNING_P12_PATH, if there is none."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from documents.signing import create_self_signed_p12


class Command(BaseCommand):
    help = "如 SIGNING_P12_PATH 处尚无签名证书，则生成一张自签名的演示证书（PKCS#12）。已有证书时不做任何改动。"

    def handle(self, *args, **options):
        path = settings.SIGNING_P12_PATH
        if os.path.exists(path):
            self.stdout.write(f"签名证书已存在：{path}")
            return
        create_self_signed_p12(path, settings.SIGNING_P12_PASSWORD)
        self.stdout.write(self.style.SUCCESS(f"已生成演示签名证书（自签名，仅供演示）：{path}"))
