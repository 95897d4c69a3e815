"""``manage.py ocop_invite_producer --producer NAME_OR_TAX_CODE --email ADDRESS``

Invites a person to manage one producer's listings (the same service as the department's
dashboard page, ``/dashboard/producer-users/``): the person receives an email, in Vietnamese
with English below, with a one-time link to set a password.

Exit status: 0 the invitation was sent; 1 it was refused (the email belongs to a user of
another producer, or to a staff account; or the email could not be sent); 2 the input was
wrong (unknown producer, ambiguous name, invalid email; argparse's usage errors are 2 too).
Messages are printed in Vietnamese followed by English.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...invitations import (
    InvitationError,
    clean_email,
    describe_producer,
    find_producer,
    invite_producer_user,
)

#: Exit status per error code (see the module docstring).
EXIT_STATUS = {
    "unknown_producer": 2,
    "ambiguous_producer": 2,
    "invalid_email": 2,
    "other_producer": 1,
    "staff_account": 1,
    "duplicate_email": 1,
    "email_not_sent": 1,
}


class Command(BaseCommand):
    help = (
        "Invite a person by email to manage a producer's listings; the email holds a one-time "
        "link to set a password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--producer",
            required=True,
            help="Producer name (with or without diacritics, or a unique part) or tax code.",
        )
        parser.add_argument("--email", required=True, help="Email of the person to invite.")

    def handle(self, *args, producer: str, email: str, **options):
        try:
            found = find_producer(producer)
            address = clean_email(email)
            user = invite_producer_user(found, address, invited_by=None)
        except InvitationError as error:
            raise CommandError(
                f"{error.in_language('vi')}\n{error.in_language('en')}",
                returncode=EXIT_STATUS.get(error.code, 1),
            ) from None
        self.stdout.write(
            f"Đã gửi lời mời tới {user.email} để quản lý {describe_producer(found)}.\n"
            f"Invitation sent to {user.email} to manage {found.name} (#{found.pk})."
        )
