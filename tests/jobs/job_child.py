"""A job process the crash tests kill: ``python job_child.py CONFIG.json`` resumes the job named
in the config (created by the test) on the network it describes and drives it to the end."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict

from ogpu.chain.session import Session
from ogpu.devnet.manifest import manifest_network
from ogpu.jobs import Job


def main(path: str) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with open(path) as f:
        cfg = json.load(f)
    net = manifest_network(cfg["home"])
    session = Session(net)
    job = Job.resume(
        cfg["job"],
        journal=cfg["journal"],
        session=session,
        max_in_flight=cfg.get("max_in_flight"),
        poll_interval=0.1,
    )
    status = job.wait()
    print(json.dumps(asdict(status)))
    return 0 if status.finished else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
