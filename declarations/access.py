"""Whether a user may see one declaration, whatever their role.

Each app declares the permission for its own role as `<app>.view_declaration`
in its rules.py; this asks all of them, so downloads and documents need one call.
"""

VIEW_PERMISSIONS = ["declarations.view_declaration", "quotas.view_declaration", "review.view_declaration"]


def can_view_declaration(user, declaration):
    if not user.is_authenticated:
        return False
    return any(user.has_perm(perm, declaration) for perm in VIEW_PERMISSIONS)


def can_download_original_files(user, declaration):
    """Attachments under their original names: not for reviewers, who may review blind.

    Reviewers open attachments through the review app, which names them neutrally.
    """
    if not user.is_authenticated or user.is_reviewer:
        return False
    return can_view_declaration(user, declaration)
