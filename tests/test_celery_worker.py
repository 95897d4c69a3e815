"""Certificate imports run by a real Celery worker process over a real Redis broker.

The worker is started as a subprocess with the same database (the test database, which it
reaches through DATABASE_URL), the same media directory and a queue of its own, so other
workers and other test runs on the same Redis are not involved. The test process sends the
task through the broker (not eagerly) and reads the outcome from the Redis result backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult, EagerResult
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from ocop_market.celery import app as celery_app
from plugins.ocop.models import Certificate, ImportRun, OcopProduct
from plugins.ocop.roles import DEPARTMENT_STAFF, ensure_roles
from plugins.ocop.tasks import import_certificates_task

# The worker needs committed data, hence a transactional test. Reference data (product groups,
# channels, roles) is recreated after each flush by the post_migrate hook.
pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

#: DB 15 keeps these runs away from a development broker on DB 0 when nothing is configured.
BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or BROKER_URL
WORKER_START_TIMEOUT = 60
RESULT_TIMEOUT = 120
#: The importer reports progress once per batch of this many rows.
BATCH = 500
GROUPS = ("Thực phẩm", "Đồ uống", "Thủ công mỹ nghệ", "Sinh vật cảnh", "Vải và may mặc")


@pytest.fixture(scope="module")
def redis_client():
    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {BROKER_URL}: {exc}")
    yield client
    client.close()


def _forget_connections() -> None:
    """Drop the broker pool and the result backend Celery built from its previous config, so
    the next use connects to what the config says now. Celery has no public way to do this;
    these are the caches ``Celery.pool``, ``amqp.producer_pool`` and ``Celery.backend`` fill."""
    backend = celery_app._backend
    if backend is not None and hasattr(backend, "result_consumer"):
        backend.result_consumer.stop()
    celery_app._backend_cache = None
    vars(celery_app._local).pop("backend", None)
    # Not closed: kombu keeps connection pools per broker URL and would hand it out again.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_over_redis(settings, redis_client):
    """This process sends tasks to the Redis broker instead of running them eagerly (the
    embedded default); everything is put back afterwards."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    settings.CELERY_RESULT_BACKEND = RESULT_BACKEND
    conf = celery_app.conf
    saved = {
        "task_always_eager": conf.task_always_eager,
        "broker_url": conf.broker_url,
        "result_backend": conf.result_backend,
    }
    conf.update(task_always_eager=False, broker_url=BROKER_URL, result_backend=RESULT_BACKEND)
    _forget_connections()
    try:
        yield
    finally:
        _forget_connections()
        conf.update(saved)


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    path = tmp_path / "media"
    settings.MEDIA_ROOT = str(path)
    return path


def worker_database_url() -> str:
    """DATABASE_URL naming the database this test process uses (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = db["PORT"] or "5432"
        return f"postgres://{auth}@{host}:{port}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(f"no DATABASE_URL for a {connection.vendor} test database")


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path, queue: str):
        self.process = process
        self.log_path = log
        self.queue = queue

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_line(self, text: str, timeout: float = 10.0) -> bool:
        """Whether ``text`` shows up in the worker's log within ``timeout`` seconds (the result
        can reach Redis before the worker has written its own log line)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.1)
        return text in self.log()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log()}")
            if " ready." in self.log():
                return
            time.sleep(0.2)
        pytest.fail(f"the worker was not ready within {WORKER_START_TIMEOUT}s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: finishes the task it is running
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def worker(transactional_db, celery_over_redis, redis_client, media_root, tmp_path):
    """A Celery worker process consuming a queue of its own. It is stopped before the test
    database is flushed (this fixture depends on ``transactional_db``)."""
    queue = f"ocop-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ocop_market.settings",
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_RESULT_BACKEND": RESULT_BACKEND,
        "MEDIA_ROOT": str(media_root),
        "OCOP_DATA_DIR": str(django_settings.DATA_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "ocop_market",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-l",
        "info",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    started = Worker(process, log, queue)
    try:
        started.wait_until_ready()
        yield started
    finally:
        started.stop()
        # The queue and kombu's bookkeeping for it (binding keys); the name is unique to us.
        leftovers = list(redis_client.scan_iter(match=f"*{queue}*"))
        if leftovers:
            redis_client.delete(*leftovers)


def send(run: ImportRun, worker: Worker) -> AsyncResult:
    result = import_certificates_task.apply_async(args=[run.pk], queue=worker.queue)
    assert not isinstance(result, EagerResult), "the task ran eagerly in the test process"
    return result


def wait_for(result: AsyncResult, worker: Worker, **kwargs) -> dict:
    try:
        return result.get(timeout=RESULT_TIMEOUT, **kwargs)
    except CeleryTimeoutError:
        pytest.fail(f"no result within {RESULT_TIMEOUT}s; the worker said:\n{worker.log()}")


def stored_run(name: str, content: bytes) -> ImportRun:
    return ImportRun.objects.create(file=ContentFile(content, name=name), filename=name)


def large_csv(rows: int) -> bytes:
    lines = ["TT,Tên sản phẩm,Chủ thể,Nhóm sản phẩm,Số sao,Quyết định"]
    for i in range(1, rows + 1):
        lines.append(
            f"{i},Sản phẩm thử {i},HTX Thử nghiệm {i // 5},{GROUPS[i % len(GROUPS)]},"
            f"{3 + i % 3} sao,{i}/QĐ-UBND ngày 10/11/2023"
        )
    return ("\n".join(lines) + "\n").encode()


def test_the_worker_imports_the_sample_list(worker, sample_xlsx):
    run = stored_run(sample_xlsx.name, sample_xlsx.read_bytes())

    result = send(run, worker)
    try:
        returned = wait_for(result, worker)
        assert result.state == "SUCCESS"
        run.refresh_from_db()
        assert run.state == ImportRun.State.DONE
        assert run.task_id == result.id
        assert run.finished_at is not None
        assert run.result["rows_read"] == 12
        assert run.result["created"] == 12
        assert run.result["errors"] == []
        assert returned == run.result
        assert Certificate.objects.filter(import_run=run).count() == 12
        assert OcopProduct.objects.count() == 12
        # It was the worker process that ran it.
        assert worker.wait_for_line(f"Task ocop.import_certificates[{result.id}] succeeded"), (
            worker.log()
        )
    finally:
        result.forget()


def test_the_worker_reports_progress_while_importing(worker, client, django_user_model):
    rows = 4 * BATCH
    run = stored_run("danh-sach-lon.csv", large_csv(rows))
    ensure_roles()
    user = django_user_model.objects.create_user("canbo", "canbo@sct.example.vn", is_staff=True)
    user.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))
    client.force_login(user)
    detail_url = reverse("ocop:import-detail", kwargs={"pk": run.pk})
    messages: list[tuple[str, object]] = []
    during_run: dict[str, object] = {}

    def on_message(meta: dict) -> None:
        """Every state the worker publishes, as it publishes it: the Redis result backend
        subscribes to the task's key before the task is sent, so none is missed."""
        messages.append((meta["status"], meta["result"]))
        if meta["status"] == "PROGRESS" and not during_run:
            # While the worker goes on with the next batch: what a poller and the page see.
            polled = AsyncResult(meta["task_id"])
            during_run["state"], during_run["info"] = polled.state, polled.info
            page = client.get(detail_url)
            during_run["page_state"] = page.context["run"].state
            during_run["page_rows_read"] = page.context["rows_read"]
            during_run["page_html"] = page.content.decode()

    result = send(run, worker)
    try:
        returned = wait_for(result, worker, on_message=on_message)
        states = [status for status, _ in messages]
        assert states[0] == "STARTED"
        assert states[-1] == "SUCCESS"
        progress = [info["rows_read"] for status, info in messages if status == "PROGRESS"]
        assert progress == [500, 1000, 1500, 2000]

        assert during_run["state"] == "PROGRESS"
        assert during_run["info"]["rows_read"] in progress
        assert during_run["page_state"] == ImportRun.State.RUNNING
        assert during_run["page_rows_read"] in progress
        with translation.override("vi"):  # the page's language: no Accept-Language sent
            so_far = gettext("%(rows_read)s rows read so far") % {
                "rows_read": during_run["page_rows_read"]
            }
        assert so_far in during_run["page_html"]

        run.refresh_from_db()
        assert run.state == ImportRun.State.DONE
        assert run.result["rows_read"] == rows
        assert run.result["created"] == rows
        assert returned == run.result
        assert Certificate.objects.filter(import_run=run).count() == rows
    finally:
        result.forget()
