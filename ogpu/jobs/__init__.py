"""Jobs: run a function of a source over many inputs, each published exactly once, even across
crashes (a durable SQLite journal). See docs/jobs.md.

>>> job = run_job(source, "echo", [{"text": "a"}, {"text": "b"}], payment=10**16)  # doctest: +SKIP
>>> results = list(job)  # doctest: +SKIP
>>> Job.resume(job.id)  # after a crash  # doctest: +SKIP
"""

from ogpu.jobs.journal import Journal, default_journal_path
from ogpu.jobs.policy import Policy
from ogpu.jobs.runner import Job, JobStatus, publish_once, run_job

__all__ = [
    "Job",
    "JobStatus",
    "Journal",
    "Policy",
    "default_journal_path",
    "publish_once",
    "run_job",
]
