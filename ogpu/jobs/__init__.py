"""Jobs: run a function of a source over many inputs, each published exactly once, even across
crashes (a durable SQLite journal). See docs/jobs.md.

>>> import tempfile
>>> from pathlib import Path
>>> from ogpu.chain import Session
>>> from ogpu.client import ImageEnvironments, SourceInfo, publish_source
>>> session, tmp = Session("devnet"), tempfile.TemporaryDirectory()
>>> journal = Path(tmp.name) / "jobs.sqlite3"
>>> source = publish_source(SourceInfo(name="demo", description="demo", logoUrl="",
...     imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
...     minPayment=10**16, minAvailableLockup=0, maxExpiryDuration=3600), session=session)
>>> job = run_job(source, "echo", [{"payload": "a"}, {"payload": "b"}], payment=10**16,
...               journal=journal)
>>> job.stop()  # as if the process had died
>>> job = Job.resume(job.id, journal=journal, session=session)  # nothing is published twice
>>> st = job.cancel()  # no provider serves this source: its tasks are cancelled, refunded
>>> st.state, st.total, st.canceled, st.paid
('canceled', 2, 2, 0)
>>> tmp.cleanup()

With a provider serving the source, ``list(job)`` gives the results in input order.
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
