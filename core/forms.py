"""Form pieces shared by the apps: account forms (unit staff, reviewers) and showing a form's errors as messages."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _


class NewAccountForm(forms.Form):
    """The login of a new account: a free name and a password that passes the validators
    (which compare it with the person's name and e-mail, read from the subclass's fields)."""

    person_name_field = "full_name"

    username = forms.RegexField(label=_("登录名"), max_length=30, regex=r"^[A-Za-z0-9_.@+-]+$",
                                error_messages={"required": _("请填写登录名"),
                                                "invalid": _("登录名只能包含字母、数字和 _ . @ + -"),
                                                "max_length": _("登录名不能超过 30 个字符")})
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, max_length=128, strip=False,
                               error_messages={"required": _("请设置初始密码")})

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该登录名已被使用"))
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            user = get_user_model()(username=cleaned.get("username", ""),
                                    full_name=cleaned.get(self.person_name_field, ""), email=cleaned.get("email", ""))
            try:
                validate_password(cleaned["password"], user)
            except forms.ValidationError as e:
                self.add_error("password", e)
        return cleaned


def error_messages(request, form, fields=None):
    """Show each of the form's errors (of `fields` only, if given) as a message on the next page.

    For the forms posted from a page the view then redirects back to, where the errors cannot stand next to
    their fields.
    """
    for field, errors in form.errors.items():
        if fields is None or field in fields:
            for error in errors:
                messages.error(request, error)


def first_error(form):
    """The form's first error message, for answers that carry one line (an htmx fragment, a JSON reply)."""
    return next(iter(e for errors in form.errors.values() for e in errors))
