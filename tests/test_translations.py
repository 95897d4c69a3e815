"""The Vietnamese catalogue of the OCOP plugin (plugins/ocop/locale/vi, which also covers the
menu labels and language names of ocop_market/settings.py): key terms translate, the import
page reads in Vietnamese by default and in English once switched, and the committed catalogue
is complete, compiled and consistent with the other Vietnamese catalogues of the project.

The catalogue is made with (from the repository root, so the app's ``graphql`` package does not
shadow the real one through Celery's cwd-in-path fixup)::

    python manage.py makemessages -l vi --no-obsolete --ignore=storefront_theme \
        --ignore=plugins/payments --ignore=tests --ignore=bench --ignore=data --ignore=docs \
        --ignore=static_collected --ignore='*.egg-info'
    msgfmt -c -o plugins/ocop/locale/vi/LC_MESSAGES/django.mo \
        plugins/ocop/locale/vi/LC_MESSAGES/django.po
"""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from plugins.ocop.models import (
    CertificateStatus,
    ChannelKind,
    ImportRun,
    ProducerType,
    Verification,
)
from plugins.ocop.roles import DEPARTMENT_STAFF, ensure_roles

ROOT = Path(settings.BASE_DIR)
CATALOGUE_DIR = ROOT / "plugins" / "ocop" / "locale" / "vi" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"
#: The other Vietnamese catalogues; ours comes first in LOCALE_PATHS, so for a msgid both hold
#: ours is what every page shows, and the two must say the same thing.
OTHER_CATALOGUES = [
    ROOT / "storefront_theme" / "locale" / "vi" / "LC_MESSAGES" / "django.po",
    ROOT / "plugins" / "payments" / "locale" / "vi" / "LC_MESSAGES" / "django.po",
    ROOT / "plugins" / "notifications" / "locale" / "vi" / "LC_MESSAGES" / "django.po",
    ROOT / "plugins" / "saleor_app" / "locale" / "vi" / "LC_MESSAGES" / "django.po",
    ROOT / "plugins" / "ocop_dashboard" / "locale" / "vi" / "LC_MESSAGES" / "django.po",
]
UPLOAD_URL = "/dashboard/ocop/imports/"

#: Key terms and the wording of the Department of Industry and Trade's OCOP documents.
KEY_TERMS = {
    "Certificate imports": "Nhập danh sách chứng nhận",
    "Channel presences": "Hiện diện trên kênh bán",
    "Modern-channel report": "Báo cáo kênh bán hàng hiện đại",
    "Sales channels": "Kênh bán hàng",
    "Enter channel activity": "Nhập hoạt động bán hàng trên kênh",
    "Counterfeit reports": "Báo cáo nghi hàng giả",
    "Dry run (check only, write nothing)": "Chạy thử (chỉ kiểm tra, không ghi dữ liệu)",
    "Import an OCOP certificate list": "Nhập danh sách chứng nhận OCOP",
    "Verified": "Đã xác minh",
    "Pending": "Chờ xác minh",
    "Rejected": "Bị từ chối",
    "Expiring within 90 days": "Sắp hết hạn (trong 90 ngày)",
    "Cooperative": "Hợp tác xã",
    "Household business": "Hộ kinh doanh",
    "E-commerce marketplace": "Sàn thương mại điện tử",
    "Vietnamese": "Tiếng Việt",
    "English": "Tiếng Anh",
}

#: What the import page says in each language (form labels, headings, the dashboard menu).
IMPORT_PAGE_TEXT = {
    "vi": [
        "Nhập danh sách chứng nhận",
        "Nhập danh sách chứng nhận OCOP",
        "Danh sách chứng nhận (CSV hoặc XLSX)",
        "Chạy thử (chỉ kiểm tra, không ghi dữ liệu)",
        "Ghi các dòng hợp lệ kể cả khi có dòng không hợp lệ",
        "Chưa có lượt nhập nào.",
        "Hiện diện trên kênh bán",
        "Báo cáo kênh bán hàng hiện đại",
    ],
    "en": [
        "Certificate imports",
        "Import an OCOP certificate list",
        "Certificate list (CSV or XLSX)",
        "Dry run (check only, write nothing)",
        "Write valid rows even if some rows are invalid",
        "No imports yet.",
        "Channel presences",
        "Modern-channel report",
    ],
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def parse_po(path: Path) -> list[dict]:
    """The entries of a PO file: msgid, msgid_plural, msgstr (or msgstr[n]) and flags.

    Enough of the format for catalogues written by makemessages: comments, flags, quoted
    strings continued on the following lines; obsolete (#~) entries are skipped.
    """
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
            continue
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            key = match.group(1)
            if key == "msgid" and "msgid" in entry:  # entries not separated by a blank line
                entries.append(entry)
                entry = {"flags": set()}
            entry[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


# (a) key msgids translate --------------------------------------------------------------------


@pytest.mark.parametrize("msgid, expected", KEY_TERMS.items())
def test_key_terms_translate_to_vietnamese(msgid, expected):
    with translation.override("vi"):
        assert gettext(msgid) == expected
    with translation.override("en"):
        assert gettext(msgid) == msgid


def test_model_choices_and_names_are_vietnamese():
    with translation.override("vi"):
        assert str(Verification.PENDING.label) == "Chờ xác minh"
        assert str(Verification.VERIFIED.label) == "Đã xác minh"
        assert str(ProducerType.COOPERATIVE.label) == "Hợp tác xã"
        assert str(CertificateStatus.EXPIRING.label) == "Sắp hết hạn (trong 90 ngày)"
        assert str(ChannelKind.MARKETPLACE.label) == "Sàn thương mại điện tử"
        assert str(ImportRun._meta.verbose_name) == "lượt nhập danh sách chứng nhận"
        ocop_menu = next(
            entry for entry in settings.OSCAR_DASHBOARD_NAVIGATION if entry["label"] == "OCOP"
        )
        labels = [str(child["label"]) for child in ocop_menu["children"]]
        assert "Nhập danh sách chứng nhận" in labels
        assert "Báo cáo kênh bán hàng hiện đại" in labels
        assert not set(labels) & {"Certificate imports", "Sales channels", "Counterfeit reports"}


# (b) the import page in Vietnamese, then in English ------------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    ensure_roles()
    user = django_user_model.objects.create_user(
        "canbo.dich", "canbo.dich@sct.example.vn", "mat-khau-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_import_page_is_vietnamese_first_and_switches_to_english(staff_client):
    html = staff_client.get(UPLOAD_URL).content.decode()
    assert '<html lang="vi"' in html
    for text in IMPORT_PAGE_TEXT["vi"]:
        assert escape(text) in html, f"{text!r} missing from the Vietnamese page"
    for text in IMPORT_PAGE_TEXT["en"]:
        assert escape(text) not in html, f"{text!r} left in English on the Vietnamese page"

    response = staff_client.post("/i18n/setlang/", {"language": "en", "next": UPLOAD_URL})
    assert response.status_code == 302

    html = staff_client.get(UPLOAD_URL).content.decode()
    assert '<html lang="en"' in html
    for text in IMPORT_PAGE_TEXT["en"]:
        assert escape(text) in html, f"{text!r} missing from the English page"
    for text in IMPORT_PAGE_TEXT["vi"]:
        assert escape(text) not in html, f"{text!r} left in Vietnamese on the English page"


# (c) the committed catalogue: complete, compiled, consistent ---------------------------------


def test_catalogue_has_no_empty_or_fuzzy_entry():
    entries = [entry for entry in parse_po(PO_FILE) if entry["msgid"]]
    assert len(entries) > 300
    empty = [entry["msgid"] for entry in entries if not all(translations(entry))]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert not empty, f"untranslated: {empty}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    header = next(entry for entry in parse_po(PO_FILE) if entry["msgid"] == "")
    assert "fuzzy" not in header["flags"], "msgfmt drops a fuzzy header (and its charset)"
    assert "Language: vi\n" in header["msgstr"]


def test_translations_keep_their_placeholders():
    for entry in parse_po(PO_FILE):
        expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for value in translations(entry):
            assert sorted(PLACEHOLDER.findall(value)) == expected, entry["msgid"]


def test_compiled_catalogue_matches_the_po_file():
    """django.mo is committed (CI has no gettext tools): it must be rebuilt with the .po."""
    with MO_FILE.open("rb") as mo:
        compiled = gnu_gettext.GNUTranslations(mo)
    for entry in parse_po(PO_FILE):
        if not entry["msgid"]:
            continue
        if "msgid_plural" in entry:
            assert (
                compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == (entry["msgstr[0]"])
            )
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_the_running_catalogue_is_ours():
    """Django loads the compiled file from LOCALE_PATHS, not some other copy."""
    assert CATALOGUE_DIR.parent.parent == Path(settings.LOCALE_PATHS[0])
    with translation.override("vi"):
        catalog = translation.trans_real.translation("vi")._catalog
        assert catalog["Certificate imports"] == "Nhập danh sách chứng nhận"


@pytest.mark.parametrize("other", OTHER_CATALOGUES, ids=lambda path: path.parts[-5])
def test_catalogue_agrees_with_the_other_vietnamese_catalogues(other):
    if not other.exists():
        pytest.skip(f"{other} is absent")
    ours = {entry["msgid"]: translations(entry) for entry in parse_po(PO_FILE)}
    theirs = {entry["msgid"]: translations(entry) for entry in parse_po(other)}
    different = {
        msgid: (ours[msgid], theirs[msgid])
        for msgid in ours.keys() & theirs.keys()
        if msgid and all(theirs[msgid]) and ours[msgid] != theirs[msgid]
    }
    assert not different, f"same msgid, different Vietnamese: {different}"
