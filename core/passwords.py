"""Password rules with messages in Chinese.

Django 5.2's minimum-length message is not in its zh_Hans catalogue yet, so a
user would read it in English; this subclass says it in Chinese.
"""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength
from django.utils.translation import gettext as _


class MinimumLengthValidator(DjangoMinimumLength):
    def get_error_message(self):
        return _("密码太短，至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}

    def get_help_text(self):
        return _("密码至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}
