"""Typed tasks: publish with a pydantic input model, get the handler's output as a model.

Modules written by ``ogpu source stubs`` call :func:`publish_typed`; it can be used directly too:

>>> from ogpu.chain import Session
>>> from ogpu.client import ImageEnvironments, SourceInfo, publish_source
>>> from ogpu.devnet.demo_handlers import SentimentInput, SentimentOutput
>>> session = Session("devnet")
>>> source = publish_source(SourceInfo(name="demo", description="demo", logoUrl="",
...     imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
...     minPayment=10**16, minAvailableLockup=0, maxExpiryDuration=3600),
...     handlers="ogpu.devnet.demo_handlers", session=session)
>>> task = publish_typed(source.address, "sentiment", SentimentInput(text="great"),
...                      SentimentOutput, payment=10**16, session=session)
>>> task
TypedTask(0x..., SentimentOutput)

Once a provider answers, ``task.wait_for_result()`` returns its output validated as a
``SentimentOutput``. A function the source does not declare is refused before anything is paid:

>>> publish_typed(source.address, "translate", SentimentInput(text="great"),
...               SentimentOutput, payment=10**16, session=session)
Traceback (most recent call last):
...
ogpu.types.errors.UnknownFunctionError: ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from ogpu.client.models import TaskInfo, TaskInput
from ogpu.protocol.task import Task

if TYPE_CHECKING:
    from ogpu.chain import Session
    from ogpu.protocol.response import Response

__all__ = ["TypedTask", "publish_typed"]

OutT = TypeVar("OutT", bound=BaseModel)


class TypedTask(Generic[OutT]):
    """A published :class:`~ogpu.protocol.Task` whose result is validated into ``output_model``."""

    def __init__(self, task: Task, output_model: type[OutT]) -> None:
        self.task = task
        self.output_model = output_model

    def __repr__(self) -> str:
        return f"TypedTask({self.task.address}, {self.output_model.__name__})"

    @property
    def address(self) -> str:
        """The task's address."""
        return self.task.address

    def wait_for_response(
        self, *, confirmed: bool = False, timeout: float | None = 120.0
    ) -> Response:
        """The first (``confirmed=True``: the confirmed) response, waiting up to ``timeout`` s."""
        return self.task.wait_for_response(confirmed=confirmed, timeout=timeout)

    def wait_for_result(self, *, confirmed: bool = False, timeout: float | None = 120.0) -> OutT:
        """Wait for a response and return its payload validated as ``output_model``
        (``pydantic.ValidationError`` if the provider's output does not match it)."""
        response = self.wait_for_response(confirmed=confirmed, timeout=timeout)
        return self.output_model.model_validate(response.fetch_data())


def publish_typed(
    source: str,
    function: str,
    data: BaseModel,
    output_model: type[OutT],
    *,
    payment: int,
    expires_in: int = 600,
    session: Session | None = None,
    **kwargs: Any,
) -> TypedTask[OutT]:
    """Publish ``function(data)`` on ``source`` (expiry ``expires_in`` s after the latest block);
    other keywords go to :func:`ogpu.client.publish_task` (``signer``, ``timeout``, ...)."""
    from ogpu.chain.session import get_session
    from ogpu.client.workflows import publish_task

    s = session if session is not None else get_session()
    info = TaskInfo(
        source=source,
        config=TaskInput(function, data),
        expiryTime=s.timestamp("latest") + int(expires_in),
        payment=payment,
    )
    task: Task = publish_task(info, session=s, **kwargs)
    return TypedTask(task, output_model)
