"""Client-role workflows: publish sources and tasks, read responses, confirm, cancel.

Each write takes ``private_key`` (hex key or ``LocalAccount``; ``signer=`` is a synonym). When
omitted, ``CLIENT_PRIVATE_KEY`` is used (on a devnet session, the client dev key); with neither,
:class:`~ogpu.types.MissingSignerError`. Unknown keywords raise ``TypeError``. Input the chain would
refuse is refused before anything is uploaded or sent; reverts are raised as typed errors from
simulation. ``session=`` picks the network (default: :func:`ogpu.chain.get_session`).

The life of a source and a task, end to end (each function's docstring says what it checks):

>>> from dataclasses import replace
>>> from ogpu.chain import Session
>>> from ogpu.client import (ImageEnvironments, SourceInfo, TaskInfo, TaskInput, cancel_task,
...     get_task_responses, inactivate_source, publish_source, publish_task, set_agent,
...     update_source, wait_all)
>>> session = Session("devnet")
>>> info = SourceInfo(name="demo", description="demo", logoUrl="",
...     imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
...     minPayment=10**16, minAvailableLockup=0, maxExpiryDuration=3600)
>>> source = publish_source(info, session=session)
>>> order = TaskInfo(source=source.address, config=TaskInput("sentiment", {"text": "great"}),
...     expiryTime=session.timestamp() + 600, payment=10**16)
>>> task = publish_task(order, session=session)
>>> task.get_status(), get_task_responses(task.address, session=session)
(<TaskStatus.NEW: 0>, [])
>>> pending = [publish_task(order, wait=False, session=session) for _ in range(2)]
>>> [t.get_status() for t in wait_all(pending)]  # each PendingPublish gives its live Task
[<TaskStatus.NEW: 0>, <TaskStatus.NEW: 0>]
>>> cancel_task(task, session=session).status, task.get_status()
(1, <TaskStatus.CANCELED: 3>)
>>> update_source(source, replace(info, minPayment=2 * 10**16), session=session).status
1
>>> source.get_params().minPayment
20000000000000000
>>> inactivate_source(source, session=session).status, source.get_status()
(1, <SourceStatus.INACTIVE: 1>)
>>> set_agent("0x90F79bf6EB2c4f870365E785982E1f101E93b906", True, session=session)
'0x...'

Once providers answer, ``[r.fetch_data() for r in task.get_responses()]`` reads their outputs.
"""

from ogpu.client._pending import PendingPublish, wait_all
from ogpu.client.models import (
    ImageEnvironments,
    SourceInfo,
    SourceMetadata,
    TaskInfo,
    TaskInput,
)
from ogpu.client.workflows import (
    cancel_task,
    confirm_response,
    get_task_responses,
    inactivate_source,
    publish_source,
    publish_task,
    set_agent,
    update_source,
)
from ogpu.jobs import Job, run_job
from ogpu.protocol.response import Response
from ogpu.protocol.source import Source
from ogpu.protocol.task import Task
from ogpu.types import (
    DeliveryMethod,
    Environment,
    combine_environments,
    environment_names,
    parse_environments,
)

__all__ = [
    "DeliveryMethod",
    "Environment",
    "ImageEnvironments",
    "Job",
    "PendingPublish",
    "Response",
    "Source",
    "SourceInfo",
    "SourceMetadata",
    "Task",
    "TaskInfo",
    "TaskInput",
    "cancel_task",
    "combine_environments",
    "confirm_response",
    "environment_names",
    "get_task_responses",
    "inactivate_source",
    "parse_environments",
    "publish_source",
    "publish_task",
    "run_job",
    "set_agent",
    "update_source",
    "wait_all",
]
