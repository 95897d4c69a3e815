"""Inviting producer users (mời người dùng của chủ thể OCOP).

Department staff invite a person by email to manage one producer's listings. The person gets
an account without a usable password, joins the producer's Oscar partner (``partner.users``) and
the producer role, and receives an email, in Vietnamese with English below, with a one-time
link to set a password. The link is a Django password-reset token (with its own salt): it
stops working once a password is set, because the token covers the password hash and the last
login, and after ``PASSWORD_RESET_TIMEOUT``.

``invite_producer_user`` is the one entry point: the management command
``ocop_invite_producer`` and the department's dashboard page both call it.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.auth.views import PasswordResetConfirmView
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from oscar.apps.customer.forms import generate_username

from plugins.ocop.models import Producer
from plugins.ocop.parsing import CellError, parse_tax_code
from plugins.ocop.roles import PRODUCER_USERS
from plugins.ocop.text import key

from .models import ProducerInvitation

#: How many candidates an ambiguous producer name lists.
MAX_CANDIDATES = 10


class InvitationError(Exception):
    """An invitation that cannot be made, with a stable ``code`` and a message that says what
    was wrong, in the active language (``message``) or any other (``in_language``).
    ``candidates`` holds the producers an ambiguous name matched."""

    def __init__(
        self,
        code: str,
        message: str,
        params: dict | None = None,
        *,
        candidates: list[Producer] | None = None,
    ):
        self.code = code
        self.template = message
        self.params = params or {}
        self.candidates = candidates or []
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _(self.template) % self.params

    def in_language(self, language: str) -> str:
        with translation.override(language):
            return self.message


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens under a salt of their own, so an invitation link and a
    "forgotten password" link are never interchangeable."""

    key_salt = "plugins.ocop_dashboard.invitations.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


def describe_producer(producer: Producer) -> str:
    """One line naming a producer for people choosing between several (any language)."""
    details = ", ".join(filter(None, [f"#{producer.pk}", producer.tax_code, producer.address]))
    return f"{producer.name} ({details})"


def find_producer(name_or_tax_code: str) -> Producer:
    """The producer a person means by a tax code or a name (with or without diacritics).

    A tax code must match exactly; a name matches its folded form exactly first ("htx banh da"
    finds "HTX Bánh đa"), then as a part of the name. Raises ``InvitationError``
    (``unknown_producer`` or ``ambiguous_producer`` with the candidates)."""
    text = (name_or_tax_code or "").strip()
    if not text:
        raise InvitationError(
            "unknown_producer", gettext_noop("Enter the producer's name or tax code.")
        )
    try:
        tax_code = parse_tax_code(text)
    except CellError:
        tax_code = ""
    if tax_code:
        found = list(Producer.objects.filter(tax_code=tax_code).order_by("name", "pk"))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise _ambiguous(text, found)
    folded = key(text)
    if folded:
        exact = Producer.objects.filter(match_key=folded).first()
        if exact is not None:
            return exact
        found = list(
            Producer.objects.filter(Q(match_key__contains=folded)).order_by("name", "pk")[
                : MAX_CANDIDATES + 1
            ]
        )
        if len(found) == 1:
            return found[0]
        if found:
            raise _ambiguous(text, found)
    raise InvitationError(
        "unknown_producer",
        gettext_noop("No producer has the name or tax code “%(text)s”."),
        {"text": text},
    )


def _ambiguous(text: str, found: list[Producer]) -> InvitationError:
    shown = found[:MAX_CANDIDATES]
    lines = "; ".join(describe_producer(p) for p in shown)
    more = " …" if len(found) > MAX_CANDIDATES else ""
    return InvitationError(
        "ambiguous_producer",
        gettext_noop(
            "“%(text)s” matches several producers: %(candidates)s%(more)s. Give the full name "
            "or the tax code."
        ),
        {"text": text, "candidates": lines, "more": more},
        candidates=shown,
    )


def clean_email(email: str) -> str:
    """The email address, trimmed, with its domain lower-cased; ``InvitationError`` when it is
    not an email address."""
    value = (email or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise InvitationError(
            "invalid_email",
            gettext_noop("“%(email)s” is not a valid email address."),
            {"email": value},
        ) from None
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def site_url() -> str:
    """Where the marketplace is reached, for links in emails sent without a request:
    ``OCOP_SITE_URL`` when set, else the current Site's domain over http."""
    configured = getattr(settings, "OCOP_SITE_URL", "")
    if configured:
        return configured.rstrip("/")
    return f"http://{Site.objects.get_current().domain}"


def invitation_path(user: AbstractBaseUser) -> str:
    return reverse(
        "dashboard:producer-welcome",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_tokens.make_token(user),
        },
    )


def absolute_url(path: str, request=None) -> str:
    """``path`` on the marketplace's canonical address (``OCOP_SITE_URL``) when set, else on
    the address the request came to, else on the current Site's domain."""
    if request is not None and not getattr(settings, "OCOP_SITE_URL", ""):
        return request.build_absolute_uri(path)
    return site_url() + path


def invitation_url(user: AbstractBaseUser, request=None) -> str:
    """The one-time link that lets ``user`` set a password."""
    return absolute_url(invitation_path(user), request)


@transaction.atomic
def invite_producer_user(
    producer: Producer, email: str, invited_by: AbstractBaseUser | None, *, request=None
) -> AbstractBaseUser:
    """Invite ``email`` to manage ``producer``'s listings and return the user.

    Reuses the account that has this email (a shopper, or someone invited before) or creates
    one without a usable password; adds it to the producer's partner and to the producer role;
    records the invitation; emails the one-time link. Refuses (``InvitationError``) an invalid
    email, a staff account, and a user who already works for another producer."""
    address = clean_email(email)
    User = get_user_model()
    users = list(User.objects.filter(email__iexact=address).order_by("pk")[:2])
    if len(users) > 1:
        raise InvitationError(
            "duplicate_email",
            gettext_noop(
                "Several accounts have the email %(email)s; an administrator must merge them first."
            ),
            {"email": address},
        )
    user = users[0] if users else None
    if user is not None:
        if user.is_staff:
            raise InvitationError(
                "staff_account",
                gettext_noop("%(email)s is a staff account; staff already see every producer."),
                {"email": address},
            )
        other = (
            Producer.objects.filter(partner__users=user).exclude(pk=producer.pk).order_by("pk")
        ).first()
        if other is not None:
            raise InvitationError(
                "other_producer",
                gettext_noop(
                    "%(email)s already works for the producer “%(other)s”; a user belongs to "
                    "one producer only."
                ),
                {"email": address, "other": other.name},
            )
    else:
        user = User(username=generate_username(), email=address, is_active=True)
        user.set_unusable_password()
        user.save()
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    producer.partner.users.add(user)
    user.groups.add(Group.objects.get(name=PRODUCER_USERS))
    ProducerInvitation.objects.create(
        producer=producer,
        user=user,
        email=address,
        invited_by=invited_by if getattr(invited_by, "pk", None) else None,
    )
    link = invitation_url(user, request)
    login_url = absolute_url(reverse("dashboard:login"), request)
    context = {
        "producer": producer,
        "email": address,
        "link": link,
        "login_url": login_url,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "invited_by": _inviter_name(invited_by),
        "shop_name": settings.OSCAR_SHOP_NAME,
    }
    subject = render_to_string("ocop_dashboard/email/invitation_subject.txt", context)
    body = render_to_string("ocop_dashboard/email/invitation_body.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [address])
    except (OSError, smtplib.SMTPException) as error:
        # Raising rolls the whole invitation back: no account change without its email.
        raise InvitationError(
            "email_not_sent",
            gettext_noop(
                "The invitation email to %(email)s could not be sent (%(error)s); nothing was "
                "saved."
            ),
            {"email": address, "error": str(error)},
        ) from error
    return user


def _inviter_name(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    return user.get_full_name() or user.email or user.get_username()


def mark_accepted(user: AbstractBaseUser) -> None:
    """Record that ``user`` set a password through an invitation."""
    ProducerInvitation.objects.filter(user=user, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )


class InvitationAcceptView(PasswordResetConfirmView):
    """The page the invitation link opens: the invited user chooses a password and is signed
    in to the dashboard. A used or expired link says so and points to the login page."""

    template_name = "ocop_dashboard/welcome.html"
    token_generator = invitation_tokens
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("dashboard:index")

    def form_valid(self, form):
        response = super().form_valid(form)
        mark_accepted(form.user)
        messages.success(
            self.request, _("Your password is set. Welcome to your producer workspace.")
        )
        return response
