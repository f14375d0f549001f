"""Who may see the pages that run the year across apps: the ministry's home, dashboard and declaration list."""

import rules

from core.rules import is_ministry

rules.add_perm("operations.ministry", is_ministry)
