"""The local executor: a thread pool on this machine, the default (nothing to install).

Each thread runs the batch's own ``grade_one`` (which grades, turns whatever
the submission causes into its error result, and stores it); the pool only
schedules them and hands back each verdict as it finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from ..errors import InfrastructureError
from ..results import GradeResult
from .base import Completed, GradingJob, this_host


class LocalExecutor:
    """Runs ``grade`` for each job on ``jobs`` threads; ``stop`` halts the gradings under way."""

    def __init__(
        self, grade: Callable[[GradingJob], GradeResult], stop: Callable[[], None], jobs: int
    ) -> None:
        self.grade = grade
        self.stop = stop
        self.jobs = max(1, jobs)
        self.host = this_host()
        self._pending: dict[Future[GradeResult], GradingJob] = {}
        self._pool: ThreadPoolExecutor | None = None

    def run(self, jobs: list[GradingJob]) -> Iterator[Completed]:
        pool = self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="grade")
        self._pending = {pool.submit(self.grade, job): job for job in jobs}
        try:
            while self._pending:
                done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = self._pending.pop(future)
                    yield Completed(job, future.result(), self.host, stored=True)
        except InfrastructureError:
            # let the gradings under way finish (their results are stored), start no more
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        except BaseException:  # Ctrl-C: start no more; cancel() stops those under way
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def cancel(self) -> int:
        """Stop the sandbox, so hanging gradings end at once; nothing of them is stored."""
        self.stop()
        running = sum(1 for future in self._pending if future.running())
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return running
