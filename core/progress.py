"""Progress of long background jobs (exports, ZIPs, automatic assignment), written to their rows.

A job reports after every item; `Progress` turns that into at most one small UPDATE per
`every` seconds (and one whenever the percentage moves, at most one per second), so a job of 300,000
entries neither floods the database nor goes silent. Each write also stamps the job's activity time,
which is what the stuck-job sweepers look at: a job that keeps reporting is alive however long it runs.
"""

import time


class Progress:
    def __init__(self, write, total, *, every=5.0, min_gap=1.0, clock=time.monotonic):
        """write(percent) stores the figure (and the activity time); total: how many steps make 100 %."""
        self.write, self.total, self.every, self.min_gap, self.clock = write, max(int(total), 1), every, min_gap, clock
        self.done, self.percent, self.last = 0, -1, None

    def step(self, n=1):
        self.done += n
        self.report()

    def report(self, *, force=False):
        # Never 100 before the job has stored its result: 100 means "ready".
        percent = min(int(self.done * 100 / self.total), 99)
        now = self.clock()
        since = None if self.last is None else now - self.last
        if force or since is None or since >= self.every or (percent != self.percent and since >= self.min_gap):
            self.write(percent)
            self.percent, self.last = percent, now
