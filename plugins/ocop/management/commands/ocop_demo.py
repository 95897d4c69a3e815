"""``manage.py ocop_demo [--today YYYY-MM-DD]``: set up the demo that ``make run`` starts.

Writes the illustrative Hà Nam list (``plugins.ocop.sample_data``) to
``DATA_DIR/sample/danh-sach-ocop-ha-nam-mau.xlsx`` and imports it through the certificate
import service, points Site 1 at the dev server, and creates (once) a superuser and a
Department of Industry and Trade (Sở Công Thương) staff user. Their random passwords are saved
in ``DATA_DIR`` and reused, so running the command again changes nothing and prints the same
credentials.

The list's decision dates are relative to the day it is built for. That day is saved
(``DATA_DIR/sample/sample_day``) and reused on later runs, so running the demo again on another
day imports the same list (nothing new is created) and the certificates age as real time
passes. ``--today`` builds and imports the list for that day instead (and saves it).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from plugins.ocop.importer.certificates import ImportResult, import_certificates
from plugins.ocop.models import Certificate, ImportRun, OcopProduct, Producer, local_today
from plugins.ocop.roles import DEPARTMENT_STAFF, ensure_roles
from plugins.ocop.sample_data import write_sample_xlsx

SITE_DOMAIN = "127.0.0.1:8000"
SITE_NAME = "OCOP Market"
SAMPLE_FILENAME = "danh-sach-ocop-ha-nam-mau.xlsx"
SAMPLE_DAY_FILE = "sample_day"
ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@ocop.local"
ADMIN_PASSWORD_FILE = "admin_password"
DEPARTMENT_USERNAME = "so-cong-thuong"
DEPARTMENT_EMAIL = "so-cong-thuong@ocop.local"
DEPARTMENT_PASSWORD_FILE = "so_cong_thuong_password"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ngày “{value}” không hợp lệ; ghi YYYY-MM-DD (not a date).") from None


def saved_password(path: Path) -> str:
    """The password saved at ``path``; a new random one is saved there the first time."""
    if path.is_file():
        password = path.read_text(encoding="utf-8").strip()
        if password:
            return password
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(password + "\n")
    return password


class Command(BaseCommand):
    help = (
        "Set up the demo: import the illustrative Hà Nam OCOP list and create the admin and "
        "Sở Công Thương users (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="The day the sample list is built and imported for (default: today).",
        )

    def handle(self, *args, today: dt.date | str | None = None, **options):
        if isinstance(today, str):
            today = _date(today)
        data_dir = Path(settings.DATA_DIR)
        sample_day = self._sample_day(data_dir / "sample" / SAMPLE_DAY_FILE, today)
        today = today or local_today()

        with transaction.atomic():
            self._ensure_site()
            ensure_roles()
            admin, admin_password = self._ensure_user(
                ADMIN_USERNAME,
                ADMIN_EMAIL,
                data_dir / ADMIN_PASSWORD_FILE,
                first_name="Quản trị",
                superuser=True,
            )
            department, department_password = self._ensure_user(
                DEPARTMENT_USERNAME,
                DEPARTMENT_EMAIL,
                data_dir / DEPARTMENT_PASSWORD_FILE,
                first_name="Sở Công Thương",
                superuser=False,
            )
            department.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))

        path = write_sample_xlsx(data_dir / "sample" / SAMPLE_FILENAME, sample_day)
        result = self._import(path, today, admin)

        self.stdout.write(
            f"Danh sách mẫu (số liệu minh họa, lập cho ngày {sample_day:%d/%m/%Y}): {path}"
        )
        self.stdout.write(
            f"Nhập danh sách: đọc {result.rows_read} dòng – {result.created} chứng nhận mới, "
            f"{result.updated} cập nhật, {result.unchanged} không đổi, {result.skipped} bỏ qua "
            f"(created={result.created} updated={result.updated} "
            f"unchanged={result.unchanged})."
        )
        self.stdout.write(
            f"Cơ sở dữ liệu: {Producer.objects.count()} chủ thể, "
            f"{OcopProduct.objects.count()} sản phẩm OCOP, "
            f"{Certificate.objects.count()} quyết định công nhận."
        )
        base = f"http://{SITE_DOMAIN}"
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"OCOP Market đang chạy tại {base}  |  Quản trị: {base}/dashboard/  "
                f"email: {ADMIN_EMAIL}  mật khẩu: {admin_password}"
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Cán bộ {DEPARTMENT_STAFF}: {base}/dashboard/  email: {DEPARTMENT_EMAIL}  "
                f"mật khẩu: {department_password}"
            )
        )
        self.stdout.write(
            f"(Mật khẩu được lưu trong {data_dir}/{ADMIN_PASSWORD_FILE} và "
            f"{data_dir}/{DEPARTMENT_PASSWORD_FILE}.)"
        )

    def _sample_day(self, path: Path, today: dt.date | None) -> dt.date:
        """The day the sample list is built for: ``today`` when given, else the day saved by
        an earlier run (unless that is in the future), else today; saved for the next run."""
        day = today
        if day is None:
            try:
                saved = dt.date.fromisoformat(path.read_text(encoding="utf-8").strip())
            except (OSError, ValueError):
                saved = None
            current = local_today()
            day = saved if saved and saved <= current else current
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(day.isoformat() + "\n", encoding="utf-8")
        return day

    def _ensure_site(self) -> None:
        site = Site.objects.filter(pk=1).first()
        if site is None:
            Site.objects.create(pk=1, domain=SITE_DOMAIN, name=SITE_NAME)
        elif (site.domain, site.name) != (SITE_DOMAIN, SITE_NAME):
            site.domain, site.name = SITE_DOMAIN, SITE_NAME
            site.save()
        Site.objects.clear_cache()

    def _ensure_user(
        self, username: str, email: str, password_file: Path, *, first_name: str, superuser: bool
    ):
        """Create the user once; later runs restore its flags and its saved password."""
        password = saved_password(password_file)
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
        wanted = {
            "email": email,
            "first_name": first_name,
            "is_active": True,
            "is_staff": True,
            "is_superuser": superuser,
        }
        changed = user.pk is None
        for name, value in wanted.items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        if not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        return user, password

    def _import(self, path: Path, today: dt.date, user) -> ImportResult:
        run = ImportRun.objects.create(filename=path.name, created_by=user)
        run.state = ImportRun.State.RUNNING
        run.save(update_fields=["state"])
        with path.open("rb") as stream:
            result = import_certificates(stream, filename=path.name, run=run, today=today)
        run.result = result.as_dict()
        run.state = ImportRun.State.DONE if result.written else ImportRun.State.FAILED
        run.finished_at = timezone.now()
        run.save(update_fields=["result", "state", "finished_at"])
        if not result.written:
            problems = [result.file_error] if result.file_error else []
            problems += [f"dòng {e.row}, cột {e.column}: {e.message}" for e in result.errors[:10]]
            raise CommandError(
                "Không nhập được danh sách mẫu (the sample list did not import): "
                + "; ".join(problems)
            )
        return result
