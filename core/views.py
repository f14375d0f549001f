from django.shortcuts import redirect, render

from .decorators import ministry_required

# Each role's workspace; apps add theirs by URL name.
ROLE_HOME = {
    "applicant": "declarations:dashboard",
    "unit": "quotas:workspace",
    "reviewer": "review:queue",
    "admin": "core:ministry_home",
}


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html")
    role = "admin" if user.is_ministry else user.role
    return redirect(ROLE_HOME.get(role, "declarations:dashboard"))


@ministry_required
def ministry_home(request):
    return render(request, "core/ministry_home.html")
