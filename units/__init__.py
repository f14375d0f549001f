"""The tree of recommending units (推荐单位) and who may declare to whom.

- Unit: a recommending unit; a unit with a parent recommends to its parent, else to the ministry.
- GroupMembership: a central SOE group's answer to an organisation asking to declare through it.
- jurisdiction: the one place that decides which units an organisation reaches under a guide.

Below declarations (an applicant picks a unit) and quotas (a unit's quota and list): it imports only core.
"""
